/**
 * Issue 13 (store speed): `finish` reuses the pending row `begin` wrote on the same connection instead of reading
 * it back — only while the stored row still carries the same content hash. These cases show that whatever
 * changed the row meanwhile is seen, and that what is stored and audited is the same as without the shortcut.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashAttestationRow, type AttestationRow } from '../../main/store/content-hash.js';
import { openStore } from '../../main/store/index.js';
import { isAttestError } from '../../shared/errors/index.js';
import { patternBytes, tempDb } from './helpers.js';

const finishParams = (seed: number) =>
  ({
    status: 'verified',
    response: patternBytes(520, seed),
    cuid: patternBytes(16, seed + 1),
    measurement: patternBytes(64, seed + 2),
  }) as const;

test('a row another process marked interrupted meanwhile cannot be finished', () => {
  const t = tempDb();
  try {
    const a = openStore({ path: t.path });
    const g = a.guests.add({ name: 'g' });
    const id = a.attestations.begin(g.id, { request: patternBytes(640, 1), arpk: patternBytes(32, 2) });
    // the row now looks like the pending row of a process on another host, which B recovers
    a.db.prepare("UPDATE attestations SET owner = '1@elsewhere' WHERE id = ?").run(id);
    const b = openStore({ path: t.path });
    assert.deepEqual(b.interruptedAtOpen, [id]);
    b.close();
    assert.throws(
      () => a.attestations.finish(id, finishParams(3)),
      (e) => isAttestError(e, 'ERR_STORE_ATTESTATION_NOT_PENDING'),
    );
    assert.equal(a.attestations.get(id).status, 'interrupted');
    assert.equal(a.audit.verify().ok, true);
    a.close();
  } finally {
    t.cleanup();
  }
});

test('an attempt rolled back with its transaction leaves nothing behind; its id is reused correctly', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g' });
  let first = 0;
  assert.throws(() =>
    store.transaction(() => {
      first = store.attestations.begin(g.id, { request: patternBytes(640, 1) });
      throw new Error('rolled back');
    }),
  );
  const second = store.attestations.begin(g.id, { request: patternBytes(640, 9), policy: { expectedUserData: '' } });
  assert.equal(second, first, 'the id is free again');
  const r = store.attestations.finish(second, finishParams(4));
  assert.equal(r.requestSha256, store.attestations.get(second).requestSha256);
  assert.deepEqual(r, store.attestations.get(second), 'the returned record is the stored one');
  assert.equal(store.audit.verify().ok, true);
  store.close();
});

test('the stored request is a copy: the caller may reuse its buffer before finish', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g' });
  const request = patternBytes(640, 5);
  const expected = Buffer.from(request).toString('hex');
  const id = store.attestations.begin(g.id, { request });
  request.fill(0);
  store.attestations.finish(id, finishParams(6));
  assert.equal(Buffer.from(store.attestations.secrets(id).request!).toString('hex'), expected);
  assert.equal(store.audit.verify().ok, true);
  store.close();
});

test('finish on another connection than begin (no remembered row) stores the same content', () => {
  const t = tempDb();
  try {
    const a = openStore({ path: t.path, key: new Uint8Array(32).fill(7) });
    const g = a.guests.add({ name: 'g' });
    const x = a.attestations.begin(g.id, { request: patternBytes(640, 1), arpk: patternBytes(32, 2) });
    const y = a.attestations.begin(g.id, { request: patternBytes(640, 1), arpk: patternBytes(32, 2) });
    const rx = a.attestations.finish(x, finishParams(3));
    a.close();
    const b = openStore({ path: t.path, key: new Uint8Array(32).fill(7), skipRecovery: true });
    const ry = b.attestations.finish(y, finishParams(3));
    const strip = (r: typeof rx) => ({ ...r, id: 0, startedAt: '', finishedAt: '', steps: {}, contentHash: '' });
    assert.deepEqual(strip(ry), strip(rx));
    assert.deepEqual(ry, b.attestations.get(y));
    assert.equal(b.audit.verify().ok, true);
    b.close();
  } finally {
    t.cleanup();
  }
});

test('finish writes the request, sealed ARPK and HKD report only when given them, and then stores them', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g' });
  const id = store.attestations.begin(g.id, { hkdReport: { verified: false } });
  const r = store.attestations.finish(id, {
    ...finishParams(7),
    request: patternBytes(640, 8),
    arpk: patternBytes(32, 9),
    hkdReport: { verified: true },
  });
  assert.equal(r.hasArpk, true);
  assert.deepEqual(r.hkdReport, { verified: true });
  assert.deepEqual(store.attestations.get(id), r);
  assert.equal(
    Buffer.from(store.attestations.secrets(id).arpk!).toString('hex'),
    Buffer.from(patternBytes(32, 9)).toString('hex'),
  );
  const kept = store.attestations.begin(g.id, { hkdReport: { verified: true }, request: patternBytes(640, 1) });
  const k = store.attestations.finish(kept, finishParams(8));
  assert.deepEqual(k.hkdReport, { verified: true }, 'kept when finish does not give one');
  assert.equal(k.requestSize, 640);
  assert.equal(store.audit.verify().ok, true);
  store.close();
});

test('a pending row another writer changed (still pending, its hash recorded) is finished as stored, not as remembered', () => {
  const t = tempDb();
  try {
    const a = openStore({ path: t.path });
    const g = a.guests.add({ name: 'g' });
    const id = a.attestations.begin(g.id, { request: patternBytes(640, 1), steps: { requestCreated: 'early' } });
    // another connection rewrites the pending row's steps and records the new content hash, as a writer would
    const b = openStore({ path: t.path, skipRecovery: true });
    b.transaction(() => {
      const row = b.db.prepare('SELECT * FROM attestations WHERE id = ?').get(id) as AttestationRow;
      const changed = { ...row, steps_json: JSON.stringify({ started: row.started_at, requestCreated: 'rewritten' }) };
      const contentHash = hashAttestationRow(changed);
      b.db
        .prepare('UPDATE attestations SET steps_json = ?, content_hash = ? WHERE id = ?')
        .run(changed.steps_json, contentHash, id);
      b.audit.append({
        action: 'attestation.started',
        subjectType: 'attestation',
        subjectId: id,
        data: { contentHash },
      });
    });
    b.close();
    const r = a.attestations.finish(id, finishParams(2));
    assert.equal(r.steps.requestCreated, 'rewritten', 'the stored row, not the remembered one');
    assert.deepEqual(r, a.attestations.get(id));
    assert.equal(a.audit.verify().ok, true);
    a.close();
  } finally {
    t.cleanup();
  }
});
