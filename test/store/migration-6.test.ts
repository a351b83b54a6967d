/**
 * Issue 11: schema 6 on a database written by the schema-5 code (fixtures/schema5.db, made by
 * fixtures/make-schema5-db.mjs with the store and history code of commit d3325a1). It opens, migrates, keeps
 * every row and value, maps the outcomes (a policy violation stored as mismatch + ERR_POLICY_* becomes
 * policy-violation; a cancelled run stored as error + a cancelling code becomes cancelled), audits each
 * changed row, and its audit chain verifies.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, openStore, readSchemaVersion } from '../../main/store/index.js';
import { tempDb } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'schema5.db');
/** The sealing key the fixture was written with. */
const SCHEMA5_KEY = new Uint8Array(32).fill(0x11);
const AT = new Date('2026-06-01T00:00:00.000Z');

type Row = Record<string, unknown>;
const TABLES = ['guests', 'guest_tags', 'trust_items', 'se_headers', 'attestations', 'audit_log'] as const;

function dump(path: string): Record<(typeof TABLES)[number], Row[]> {
  const db = new Database(path, { readonly: true });
  try {
    const order = (t: string) => (t === 'guest_tags' ? 'guest_id, tag' : t === 'se_headers' ? 'sha256' : 'rowid');
    return Object.fromEntries(
      TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY ${order(t)}`).all() as Row[]]),
    ) as Record<(typeof TABLES)[number], Row[]>;
  } finally {
    db.close();
  }
}

/** Opens a copy of the fixture with `fn`; the copy is removed afterwards. */
function withFixtureCopy(fn: (path: string) => void): void {
  const t = tempDb();
  try {
    copyFileSync(FIXTURE, t.path);
    fn(t.path);
  } finally {
    t.cleanup();
  }
}

test('the fixture is a schema-5 database as the old code wrote it', () => {
  // (opened through a copy: a WAL database grows -wal and -shm files beside it even when read)
  withFixtureCopy((path) => {
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(readSchemaVersion(db), 5);
      const rows = db.prepare('SELECT id, status, error_code FROM attestations ORDER BY id').all();
      assert.deepEqual(rows, [
        { id: 1, status: 'verified', error_code: null },
        { id: 2, status: 'mismatch', error_code: 'ERR_POLICY_IMAGE_PHKH' },
        { id: 3, status: 'mismatch', error_code: null },
        { id: 4, status: 'error', error_code: 'ERR_APP_CANCELLED' },
        { id: 5, status: 'error', error_code: 'ERR_TRANSPORT_CANCELLED' },
        { id: 6, status: 'error', error_code: 'ERR_TRANSPORT_CONNECT' },
        { id: 7, status: 'verified', error_code: null },
        { id: 8, status: 'interrupted', error_code: null },
        { id: 9, status: 'pending', error_code: null },
      ]);
    } finally {
      db.close();
    }
  });
});

test('schema 6 keeps every row and value, maps the outcomes, audits each change, and the chain verifies', () => {
  withFixtureCopy((path) => {
    const before = dump(path);
    const store = openStore({ path, key: SCHEMA5_KEY, now: () => AT, skipRecovery: true });
    try {
      assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
      const verification = store.audit.verify();
      assert.equal(verification.ok, true, JSON.stringify(verification.firstBroken));
    } finally {
      store.close();
    }
    const after = dump(path);
    // untouched tables, value for value
    for (const t of ['guests', 'guest_tags', 'trust_items', 'se_headers'] as const)
      assert.deepEqual(after[t], before[t], t);
    // every attestation kept with every column; only status and content hash change, and only where mapped
    const mapped: Record<number, string> = { 2: 'policy-violation', 4: 'cancelled', 5: 'cancelled' };
    assert.equal(after.attestations.length, before.attestations.length);
    for (const [i, old] of before.attestations.entries()) {
      const now = after.attestations[i]!;
      const id = old['id'] as number;
      assert.equal(now['policy_json'], null, `attestation ${id}: the policy was not recorded before schema 6`);
      const { status, content_hash, policy_json: _p, ...rest } = now;
      const { status: oldStatus, content_hash: oldHash, ...oldRest } = old;
      assert.deepEqual(rest, oldRest, `attestation ${id} keeps its values`);
      assert.equal(status, mapped[id] ?? oldStatus, `attestation ${id} status`);
      if (mapped[id]) assert.notEqual(content_hash, oldHash);
      else assert.equal(content_hash, oldHash, `attestation ${id} is unchanged`);
    }
    // the old chain is kept entry for entry; one attestation.migrated entry per changed row follows it
    assert.deepEqual(after.audit_log.slice(0, before.audit_log.length), before.audit_log);
    const added = after.audit_log.slice(before.audit_log.length);
    assert.deepEqual(
      added.map((e) => [e['action'], e['subject_id']]),
      [
        ['attestation.migrated', 2],
        ['attestation.migrated', 4],
        ['attestation.migrated', 5],
      ],
    );
    for (const e of added) {
      const data = JSON.parse(e['data_json'] as string) as Record<string, unknown>;
      const row = after.attestations.find((a) => a['id'] === e['subject_id'])!;
      const old = before.attestations.find((a) => a['id'] === e['subject_id'])!;
      assert.equal(data['from'], old['status']);
      assert.equal(data['to'], row['status']);
      assert.equal(data['contentHash'], row['content_hash']);
      assert.equal(data['previousContentHash'], old['content_hash']);
      assert.equal(data['schema'], 6);
    }
  });
});

test('migrated records carry the outcome model: verdicts from the row, guest status from judged outcomes', () => {
  withFixtureCopy((path) => {
    const store = openStore({ path, key: SCHEMA5_KEY, now: () => AT, skipRecovery: true });
    try {
      const records = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => store.attestations.get(id));
      assert.deepEqual(
        records.map((r) => [r.id, r.status, r.verdict?.outcome ?? null, r.verdict?.code ?? null]),
        [
          [1, 'verified', 'verified', null],
          [2, 'policy-violation', 'policy-violation', 'ERR_POLICY_IMAGE_PHKH'],
          [3, 'mismatch', 'mismatch', null],
          [4, 'cancelled', 'cancelled', 'ERR_APP_CANCELLED'],
          [5, 'cancelled', 'cancelled', 'ERR_TRANSPORT_CANCELLED'],
          [6, 'error', 'error', 'ERR_TRANSPORT_CONNECT'],
          [7, 'verified', 'verified', null],
          [8, 'interrupted', 'interrupted', null],
          [9, 'pending', null, null],
        ],
      );
      assert.ok(records.every((r) => r.policy === null));
      assert.equal(records[1]!.verdict?.reason, 'image PHKH differs from the expected one');
      // the sealed ARPKs still open after the table was rebuilt (they are bound to the attestation id)
      assert.equal(store.attestations.secrets(1).arpk?.length, 32);
      const status = Object.fromEntries(store.guests.statuses({ now: AT }).map((s) => [s.name, s]));
      // payments: verified, cancelled, verified, interrupted — cancelled and interrupted runs do not count
      assert.equal(status['payments']?.lastOutcome, 'verified');
      assert.equal(status['payments']?.lastStatus, 'interrupted');
      assert.equal(status['analytics']?.lastOutcome, 'policy-violation', 'its cancelled run does not count');
      assert.equal(status['analytics']?.health, 'failing');
      assert.equal(status['ledger']?.health, 'pending');
      // new rows are written in the new model beside the old ones
      const id = store.attestations.begin(1, { policy: { expectedUserData: 'cafe' } });
      const r = store.attestations.finish(id, { status: 'verified', userData: new Uint8Array([0xca, 0xfe]) });
      assert.deepEqual(r.policy, { expectedUserData: 'cafe' });
      assert.equal(store.audit.verify().ok, true);
    } finally {
      store.close();
    }
    // reopened with recovery: the pending row of the gone process becomes interrupted, still audited
    const again = openStore({ path, key: SCHEMA5_KEY, now: () => AT });
    try {
      assert.deepEqual(again.interruptedAtOpen, [9]);
      assert.equal(again.attestations.get(9).verdict?.outcome, 'interrupted');
      assert.equal(again.audit.verify().ok, true);
    } finally {
      again.close();
    }
  });
});
