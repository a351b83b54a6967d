/** Issue 5: guests, trust items, attestation life cycle, derived status and the sealed ARPK. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { canonicalJson, openStore } from '../../main/store/index.js';
import { isAttestError } from '../../shared/errors/index.js';
import { arpkFor, patternBytes, recordAttempt, seedStore, tempDb } from './helpers.js';

function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

describe('guests', () => {
  test('add, show, edit, remove; names unique among active guests; removal keeps history', () => {
    const store = openStore({ path: ':memory:' });
    const g = store.guests.add({
      name: 'web-1',
      sshTarget: 'root@192.0.2.5:2222',
      jumpHost: 'bastion',
      identityRef: '~/.ssh/id_ed25519',
      hostKeyFingerprint: 'SHA256:abc',
      seHeaderHex: 'aabbcc',
      policy: { expectedImagePhkh: '11'.repeat(32), requiredAddData: ['phkh-img'] },
      tags: ['prod', 'eu'],
    });
    assert.equal(
      g.seHeaderSha256,
      createHash('sha256')
        .update(Uint8Array.of(0xaa, 0xbb, 0xcc))
        .digest('hex'),
    );
    assert.equal(g.seHeaderSize, 3);
    assert.deepEqual(store.guests.seHeader(g.id), Uint8Array.of(0xaa, 0xbb, 0xcc));
    assert.deepEqual(g.tags, ['eu', 'prod']);
    assert.throws(
      () => store.guests.add({ name: 'web-1' }),
      (e) => isAttestError(e, 'ERR_STORE_GUEST_EXISTS'),
    );
    const edited = store.guests.edit('web-1', { notes: 'rack 4', jumpHost: null });
    assert.equal(edited.notes, 'rack 4');
    assert.equal(edited.jumpHost, null);
    assert.equal(edited.sshTarget, 'root@192.0.2.5:2222');
    const id = recordAttempt(store, g.id, 1);
    store.guests.remove('web-1');
    assert.throws(
      () => store.guests.get('web-1'),
      (e) => isAttestError(e, 'ERR_STORE_GUEST_NOT_FOUND'),
    );
    assert.equal(store.attestations.get(id).guestName, 'web-1');
    const again = store.guests.add({ name: 'web-1' });
    assert.notEqual(again.id, g.id);
    assert.deepEqual(
      store.audit.list().map((e) => e.action),
      ['guest.added', 'guest.edited', 'attestation.started', 'attestation.finished', 'guest.removed', 'guest.added'],
    );
    assert.equal(store.audit.verify().ok, true);
    store.close();
  });

  test('never stores key material as identity; rejects bad names', () => {
    const store = openStore({ path: ':memory:' });
    assert.throws(
      () => store.guests.add({ name: 'x', identityRef: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc' }),
      (e) => isAttestError(e, 'ERR_STORE_GUEST_INVALID'),
    );
    assert.throws(
      () => store.guests.add({ name: 'bad name' }),
      (e) => isAttestError(e, 'ERR_STORE_GUEST_INVALID'),
    );
    store.close();
  });

  test('derived status: never, ok, stale, failing, pending', () => {
    const c = clock('2026-03-01T00:00:00.000Z');
    const store = openStore({ path: ':memory:', now: c.now });
    const [a, b, d, e] = ['a', 'b', 'd', 'e'].map((n) => store.guests.add({ name: n }));
    recordAttempt(store, a!.id, 1);
    recordAttempt(store, b!.id, 2);
    recordAttempt(store, b!.id, 3, 'mismatch');
    store.attestations.begin(d!.id, {});
    c.advance(2 * 3600_000);
    recordAttempt(store, e!.id, 4);
    const byName = Object.fromEntries(store.guests.statuses({ staleAfterMs: 3600_000 }).map((s) => [s.name, s]));
    assert.equal(byName.a?.health, 'stale');
    assert.equal(byName.b?.health, 'failing');
    assert.equal(byName.b?.lastStatus, 'mismatch');
    assert.equal(byName.b?.lastVerifiedAt, '2026-03-01T00:00:00.000Z');
    assert.equal(byName.b?.attestationCount, 2);
    assert.equal(byName.d?.health, 'pending');
    assert.equal(byName.e?.health, 'ok');
    store.guests.add({ name: 'f' });
    assert.equal(store.guests.statuses().find((s) => s.name === 'f')?.health, 'never');
    store.close();
  });

  test('issue 11: cancelled and interrupted runs are in the history but never change the derived status', () => {
    const c = clock('2026-03-01T00:00:00.000Z');
    const store = openStore({ path: ':memory:', now: c.now });
    const [ok, bad, fresh] = ['ok', 'bad', 'fresh'].map((n) => store.guests.add({ name: n }));
    recordAttempt(store, ok!.id, 1);
    recordAttempt(store, bad!.id, 2, 'mismatch');
    const cancel = (guestId: number, code: string) =>
      store.attestations.finish(store.attestations.begin(guestId), { status: 'cancelled', errorCode: code });
    cancel(ok!.id, 'ERR_APP_CANCELLED');
    cancel(ok!.id, 'ERR_APP_HOSTKEY_REJECTED');
    cancel(bad!.id, 'ERR_TRANSPORT_CANCELLED');
    cancel(fresh!.id, 'ERR_APP_CANCELLED');
    // a pending row of a process that is gone, recovered as interrupted
    store.db
      .prepare("UPDATE attestations SET owner = '1@elsewhere' WHERE id = ?")
      .run(store.attestations.begin(ok!.id));
    c.advance(1000);
    assert.equal(store.attestations.recoverInterrupted(c.now()).length, 1);
    const byName = Object.fromEntries(store.guests.statuses().map((s) => [s.name, s]));
    assert.deepEqual(
      ['ok', 'bad', 'fresh'].map((n) => [n, byName[n]?.health, byName[n]?.lastOutcome, byName[n]?.lastStatus]),
      [
        ['ok', 'ok', 'verified', 'interrupted'],
        ['bad', 'failing', 'mismatch', 'cancelled'],
        ['fresh', 'never', null, 'cancelled'],
      ],
    );
    assert.equal(byName['ok']?.attestationCount, 4);
    assert.deepEqual(
      store.attestations.list(ok!.id).map((r) => r.verdict?.outcome),
      ['interrupted', 'cancelled', 'cancelled', 'verified'],
    );
    store.close();
  });
});

describe('attestations', () => {
  test('begin writes pending, finish completes once; history newest first with --since', () => {
    const c = clock('2026-03-01T00:00:00.000Z');
    const store = openStore({ path: ':memory:', now: c.now });
    const g = store.guests.add({ name: 'g' });
    const first = recordAttempt(store, g.id, 1);
    c.advance(60_000);
    const id = store.attestations.begin(g.id, {
      hkdSha256: ['ab'.repeat(32)],
      addData: ['phkh-att'],
      hkdReport: { ok: true },
    });
    assert.equal(store.attestations.get(id).status, 'pending');
    const done = store.attestations.finish(id, {
      status: 'error',
      errorCode: 'ERR_UV_RC',
      errorMessage: 'uv rc 0x0104',
      steps: { guestContacted: '2026-03-01T00:01:00.500Z' },
    });
    assert.equal(done.status, 'error');
    assert.equal(done.steps.guestContacted, '2026-03-01T00:01:00.500Z');
    assert.deepEqual(done.hkdReport, { ok: true });
    assert.throws(
      () => store.attestations.finish(id, { status: 'verified' }),
      (e) => isAttestError(e, 'ERR_STORE_ATTESTATION_NOT_PENDING'),
    );
    assert.throws(
      () => store.attestations.get(999),
      (e) => isAttestError(e, 'ERR_STORE_ATTESTATION_NOT_FOUND'),
    );
    assert.throws(
      () => store.attestations.begin(999),
      (e) => isAttestError(e, 'ERR_STORE_GUEST_NOT_FOUND'),
    );
    assert.deepEqual(
      store.attestations.list(g.id).map((r) => r.id),
      [id, first],
    );
    assert.deepEqual(
      store.attestations.list(g.id, { since: new Date('2026-03-01T00:00:30Z') }).map((r) => r.id),
      [id],
    );
    const rec = store.attestations.get(first);
    assert.equal(rec.requestSize, 640);
    assert.equal(rec.responseSize, 520);
    assert.equal(rec.additionalData?.imagePhkh, Buffer.from(patternBytes(32, 7)).toString('hex'));
    assert.equal(
      JSON.stringify(rec).includes(Buffer.from(arpkFor(1)).toString('hex')),
      false,
      'ARPK leaked into the record',
    );
    store.close();
  });

  test('the ARPK is sealed with AES-256-GCM under a 0600 key file beside the 0600 database', () => {
    const t = tempDb();
    try {
      const { store, ids } = seedStore(t.path, 1);
      const arpk = arpkFor(0);
      assert.deepEqual(store.attestations.secrets(ids[0]!).arpk, arpk);
      store.close();
      assert.equal(statSync(`${t.path}.key`).mode & 0o777, 0o600);
      assert.equal(statSync(t.path).mode & 0o777, 0o600);
      assert.equal(readFileSync(t.path).includes(Buffer.from(arpk)), false, 'plaintext ARPK in the database file');
      // Moving the sealed ARPK to another row fails (the id is authenticated).
      const s2 = openStore({ path: t.path });
      const other = recordAttempt(s2, 1, 50);
      s2.db
        .prepare(
          'UPDATE attestations SET arpk_sealed = (SELECT arpk_sealed FROM attestations WHERE id = ?) WHERE id = ?',
        )
        .run(ids[0], other);
      assert.throws(
        () => s2.attestations.secrets(other),
        (e) => isAttestError(e, 'ERR_STORE_ARPK_UNREADABLE'),
      );
      s2.close();
      // Another key file cannot open it.
      writeFileSync(`${t.path}.key`, Buffer.alloc(32, 9), { mode: 0o600 });
      const s3 = openStore({ path: t.path });
      assert.throws(
        () => s3.attestations.secrets(ids[0]!),
        (e) => isAttestError(e, 'ERR_STORE_ARPK_UNREADABLE'),
      );
      s3.close();
      // A key file readable by others is refused.
      chmodSync(`${t.path}.key`, 0o644);
      const s4 = openStore({ path: t.path });
      assert.throws(
        () => s4.attestations.secrets(ids[0]!),
        (e) => isAttestError(e, 'ERR_STORE_KEY_FILE'),
      );
      s4.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('trust items and canonical JSON', () => {
  test('trust items are deduplicated by SHA-256 and audited once', () => {
    const store = openStore({ path: ':memory:' });
    const a = store.trust.import({
      kind: 'hkd',
      der: patternBytes(500, 1),
      subject: 'CN=h',
      issuer: 'CN=i',
      phkh: 'aa'.repeat(32),
    });
    const b = store.trust.import({
      kind: 'hkd',
      der: patternBytes(500, 1),
      subject: 'CN=h',
      issuer: 'CN=i',
      source: 'other',
    });
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(b.item.id, a.item.id);
    assert.equal(store.trust.list().length, 1);
    assert.deepEqual(store.trust.bytes(a.item.sha256), patternBytes(500, 1));
    assert.throws(
      () => store.trust.bytes('00'.repeat(32)),
      (e) => isAttestError(e, 'ERR_STORE_TRUST_NOT_FOUND'),
    );
    assert.equal(store.audit.list().length, 1);
    store.close();
  });

  test('removal takes an item out of use but keeps its bytes; re-import restores it; both audited; a forged removal is caught', () => {
    const store = openStore({ path: ':memory:' });
    const a = store.trust.import({ kind: 'crl', der: patternBytes(300, 2), subject: null, issuer: 'CN=i' });
    store.trust.remove(a.item.id);
    assert.equal(store.trust.list().length, 0);
    assert.equal(store.trust.withBytes('crl').length, 0);
    assert.deepEqual(
      store.trust.bytes(a.item.sha256),
      patternBytes(300, 2),
      'evidence of past attestations still needs the bytes',
    );
    assert.throws(
      () => store.trust.remove(a.item.id),
      (e) => isAttestError(e, 'ERR_STORE_TRUST_NOT_FOUND'),
    );
    assert.equal(store.audit.verify().ok, true);
    const again = store.trust.import({ kind: 'crl', der: patternBytes(300, 2), subject: null, issuer: 'CN=i' });
    assert.equal(again.item.id, a.item.id);
    assert.equal(store.trust.list().length, 1);
    assert.deepEqual(
      store.audit.list().map((e) => e.action),
      ['trust.imported', 'trust.removed', 'trust.imported'],
    );
    assert.equal(store.audit.verify().ok, true);
    store.ctx.db
      .prepare('UPDATE trust_items SET removed_at = ? WHERE id = ?')
      .run('2020-01-01T00:00:00.000Z', a.item.id);
    const v = store.audit.verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBroken?.subjectId, a.item.id);
    store.close();
  });

  test("a guest's host-key algorithm is kept with its pin, cleared by a new pin without one, and audited", () => {
    const store = openStore({ path: ':memory:' });
    store.guests.add({ name: 'g', hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43), hostKeyType: 'ssh-ed25519' });
    assert.equal(store.guests.get('g').hostKeyType, 'ssh-ed25519');
    store.guests.edit('g', { notes: 'n' });
    assert.equal(store.guests.get('g').hostKeyType, 'ssh-ed25519');
    store.guests.edit('g', { hostKeyFingerprint: 'SHA256:' + 'B'.repeat(43) });
    assert.equal(store.guests.get('g').hostKeyType, null);
    store.guests.edit('g', { hostKeyType: 'ecdsa-sha2-nistp256' });
    assert.equal(store.audit.verify().ok, true);
    store.ctx.db.prepare("UPDATE guests SET host_key_type = 'ssh-rsa' WHERE name = 'g'").run();
    assert.equal(store.audit.verify().ok, false);
    store.close();
  });

  test('canonical JSON sorts keys at every depth and drops undefined', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined }),
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
    assert.throws(
      () => canonicalJson({ n: Number.NaN }),
      (e) => isAttestError(e, 'ERR_INPUT_INVALID'),
    );
  });
});
