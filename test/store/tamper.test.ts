/** Issue 5: editing stored rows or the audit log with plain SQL is caught by the audit verification. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, openStore } from '../../main/store/index.js';
import { hashAttestationRow } from '../../main/store/content-hash.js';
import { seedStore, tempDb } from './helpers.js';

/** Seeds a store, applies `sql` with a raw connection (triggers dropped), returns the verification. */
function tamper(sql: string, params: unknown[] = []) {
  const t = tempDb();
  try {
    const { store, ids } = seedStore(t.path, 3);
    const finishSeq = store.audit
      .list()
      .filter((e) => e.action === 'attestation.finished' && e.subjectId === ids[1])
      .at(-1)!.seq;
    assert.equal(store.audit.verify().ok, true);
    store.close();
    const raw = new Database(t.path);
    raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    raw.prepare(sql).run(...params);
    raw.close();
    const reopened = openStore({ path: t.path });
    const result = reopened.audit.verify();
    reopened.close();
    return { result, ids, finishSeq };
  } finally {
    t.cleanup();
  }
}

describe('attestation rows', () => {
  const columns: [string, string, unknown[]][] = [
    ['status', "UPDATE attestations SET status = 'mismatch' WHERE id = 2", []],
    ['error_code', "UPDATE attestations SET error_code = 'X' WHERE id = 2", []],
    ['started_at', "UPDATE attestations SET started_at = '2020-01-01T00:00:00.000Z' WHERE id = 2", []],
    ['cuid', 'UPDATE attestations SET cuid = ? WHERE id = 2', [Buffer.alloc(16, 0xee)]],
    ['measurement', 'UPDATE attestations SET measurement = ? WHERE id = 2', [Buffer.alloc(64, 1)]],
    [
      'response (one byte)',
      "UPDATE attestations SET response = CAST(substr(response, 1, 100) || X'FF' || substr(response, 102) AS BLOB) WHERE id = 2",
      [],
    ],
    ['request', 'UPDATE attestations SET request = NULL WHERE id = 2', []],
    ['arpk_sealed', 'UPDATE attestations SET arpk_sealed = ? WHERE id = 2', [Buffer.alloc(60, 3)]],
    ['additional_data_json', `UPDATE attestations SET additional_data_json = '{"imagePhkh":"00"}' WHERE id = 2`, []],
    ['hkd_sha256_json', `UPDATE attestations SET hkd_sha256_json = '[]' WHERE id = 2`, []],
    ['user_data', 'UPDATE attestations SET user_data = NULL WHERE id = 2', []],
  ];
  for (const [name, sql, params] of columns) {
    test(`changing ${name} names attestation 2 and its audit entry`, () => {
      const { result, finishSeq } = tamper(sql, params);
      assert.equal(result.ok, false);
      assert.equal(result.firstBroken?.subjectType, 'attestation');
      assert.equal(result.firstBroken?.subjectId, 2);
      assert.equal(result.firstBroken?.seq, finishSeq);
    });
  }

  test('changing a row and recomputing its content_hash column is still caught (audit entry disagrees)', () => {
    const t = tempDb();
    try {
      const { store, ids } = seedStore(t.path, 3);
      store.close();
      const raw = new Database(t.path);
      raw.prepare("UPDATE attestations SET status = 'verified', error_code = 'X' WHERE id = ?").run(ids[0]);
      raw.close();
      // recompute the column as the application would
      const s = openStore({ path: t.path });
      const row = s.db.prepare('SELECT * FROM attestations WHERE id = ?').get(ids[0]) as Record<string, unknown>;
      s.db
        .prepare('UPDATE attestations SET content_hash = ? WHERE id = ?')
        .run(hashAttestationRow(row as never), ids[0]);
      const r = s.audit.verify();
      s.close();
      assert.equal(r.ok, false);
      assert.equal(r.firstBroken?.subjectId, ids[0]);
      assert.match(r.firstBroken!.reason, /changed after audit entry/);
    } finally {
      t.cleanup();
    }
  });

  test('deleting an attestation row is caught', () => {
    const { result } = tamper('DELETE FROM attestations WHERE id = 3');
    assert.equal(result.ok, false);
    assert.equal(result.firstBroken?.subjectId, 3);
    assert.match(result.firstBroken!.reason, /deleted/);
  });

  test('inserting an attestation row outside the application is caught', () => {
    const { result } = tamper(
      "INSERT INTO attestations (id, guest_id, status, started_at, content_hash) VALUES (99, 1, 'verified', '2026-01-01T00:00:00.000Z', 'x')",
    );
    assert.equal(result.ok, false);
    assert.equal(result.firstBroken?.subjectId, 99);
  });
});

describe('guest and trust rows', () => {
  test('changing a guest target is caught', () => {
    const { result } = tamper("UPDATE guests SET ssh_target = 'root@203.0.113.66' WHERE id = 1");
    assert.equal(result.firstBroken?.subjectType, 'guest');
    assert.equal(result.firstBroken?.seq, 1);
  });
  test('swapping trust bytes is caught', () => {
    const { result } = tamper("UPDATE trust_items SET der = X'00' WHERE id = 1");
    assert.equal(result.firstBroken?.subjectType, 'trust');
    assert.equal(result.firstBroken?.seq, 2);
  });
});

describe('audit rows', () => {
  const flipFirstByte = (col: string) =>
    `(CASE WHEN substr(${col}, 1, 2) = '00' THEN 'ff' ELSE '00' END) || substr(${col}, 3)`;
  const cases: [string, string, number][] = [
    ['data', `UPDATE audit_log SET data_json = replace(data_json, '"verified"', '"error"') WHERE seq = 6`, 6],
    ['time', "UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 4", 4],
    ['action', "UPDATE audit_log SET action = 'export.made' WHERE seq = 3", 3],
    // (the first byte is flipped, never replaced by a constant it may already have: the hashes vary per run)
    ['hash', `UPDATE audit_log SET hash = ${flipFirstByte('hash')} WHERE seq = 5`, 5],
    ['prev hash', `UPDATE audit_log SET prev_hash = ${flipFirstByte('prev_hash')} WHERE seq = 7`, 7],
    ['deletion', 'DELETE FROM audit_log WHERE seq = 4', 4],
  ];
  for (const [name, sql, seq] of cases) {
    test(`changing the ${name} of an entry names entry ${seq}`, () => {
      const { result } = tamper(sql);
      assert.equal(result.ok, false);
      assert.equal(result.firstBroken?.seq, seq);
    });
  }

  test('the triggers refuse UPDATE and DELETE on the audit log', () => {
    const t = tempDb();
    try {
      const { store } = seedStore(t.path, 1);
      assert.throws(() => store.db.prepare("UPDATE audit_log SET at = 'x' WHERE seq = 1").run(), /append-only/);
      assert.throws(() => store.db.prepare('DELETE FROM audit_log WHERE seq = 1').run(), /append-only/);
      store.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('issue 13: the entry hash written by the appender', () => {
  test('is SHA-256(previous hash ‖ canonical JSON of {seq, at, action, subjectType, subjectId, data}), as specified', () => {
    const store = openStore({ path: ':memory:' });
    try {
      store.transaction(() => {
        store.audit.append({ action: 'export.made', subjectType: 'export', subjectId: null, data: {} });
        store.audit.append({
          action: 'guest.added',
          subjectType: 'guest',
          subjectId: 42,
          data: { name: 'ünïcødé "q" \u2028', n: 1e21, list: [null, true, -0.5], z: { b: 1, a: [] } },
        });
      });
      let prev = GENESIS_HASH;
      for (const e of store.audit.list()) {
        const body = canonicalJson({
          seq: e.seq,
          at: e.at,
          action: e.action,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          data: e.data,
        });
        const expected = createHash('sha256')
          .update(Buffer.concat([Buffer.from(prev, 'hex'), Buffer.from(body, 'utf8')]))
          .digest('hex');
        assert.equal(e.hash, expected, `entry ${e.seq}`);
        assert.equal(e.prevHash, prev);
        prev = e.hash;
      }
      assert.equal(store.audit.verify().ok, true);
    } finally {
      store.close();
    }
  });
});
