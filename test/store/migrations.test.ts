/** Issue 5: numbered migrations from an empty file and from every earlier schema version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import {
  AuditLog,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  applyMigrations,
  openStore,
  readSchemaVersion,
} from '../../main/store/index.js';
import { hashAttestationRow, hashGuestRow, type AttestationRow, type GuestRow } from '../../main/store/content-hash.js';
import { isAttestError } from '../../shared/errors/index.js';
import { tempDb } from './helpers.js';

function schemaOf(db: Database.Database): string[] {
  return db
    .prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY name")
    .pluck()
    .all() as string[];
}

test('there are at least two migrations, numbered 1..n', () => {
  assert.ok(MIGRATIONS.length >= 2);
  MIGRATIONS.forEach((m, i) => assert.equal(m.version, i + 1));
  assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
});

test('an empty file is migrated to the latest version', () => {
  const t = tempDb();
  try {
    new Database(t.path).close(); // zero-length file, user_version 0
    const store = openStore({ path: t.path });
    assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    store.close();
  } finally {
    t.cleanup();
  }
});

for (let from = 0; from < LATEST_SCHEMA_VERSION; from++) {
  test(`a file at schema version ${from} is migrated to ${LATEST_SCHEMA_VERSION} with the same schema as a new file`, () => {
    const t = tempDb();
    const fresh = tempDb();
    try {
      const old = new Database(t.path);
      applyMigrations(old, from);
      assert.equal(readSchemaVersion(old), from);
      old.close();
      const store = openStore({ path: t.path });
      assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
      const reference = openStore({ path: fresh.path });
      assert.deepEqual(schemaOf(store.db), schemaOf(reference.db));
      reference.close();
      store.close();
    } finally {
      t.cleanup();
      fresh.cleanup();
    }
  });
}

test('rows written at version 1 survive the upgrade with an intact audit chain', () => {
  const t = tempDb();
  try {
    const v1 = new Database(t.path);
    applyMigrations(v1, 1);
    const at = '2026-01-02T03:04:05.000Z';
    v1.prepare(
      "INSERT INTO guests (id, name, ssh_target, created_at, updated_at) VALUES (1, 'old-guest', 'root@192.0.2.1', ?, ?)",
    ).run(at, at);
    const audit = new AuditLog(v1, () => new Date(at));
    v1.transaction(() => {
      const g = v1.prepare('SELECT * FROM guests WHERE id = 1').get() as GuestRow;
      audit.append({
        action: 'guest.added',
        subjectType: 'guest',
        subjectId: 1,
        data: { name: g.name, contentHash: hashGuestRow(g, []) },
      });
      const row = {
        id: 1,
        guest_id: 1,
        status: 'verified',
        error_code: null,
        error_message: null,
        started_at: at,
        finished_at: at,
        steps_json: '{}',
        hkd_sha256_json: '[]',
        hkd_report_json: null,
        add_data_json: '[]',
        cuid: Buffer.alloc(16, 5),
        measurement: null,
        user_data: null,
        additional_data_json: null,
        request: Buffer.alloc(600, 1),
        response: Buffer.alloc(500, 2),
        arpk_sealed: null,
        arpk_key_id: null,
        owner: null,
      } satisfies Omit<AttestationRow, 'content_hash'>;
      const contentHash = hashAttestationRow(row);
      v1.prepare(
        `INSERT INTO attestations (id, guest_id, status, error_code, error_message, started_at, finished_at, steps_json, hkd_sha256_json,
           hkd_report_json, add_data_json, cuid, measurement, user_data, additional_data_json, request, response, arpk_sealed, arpk_key_id,
           owner, content_hash) VALUES (@id, @guest_id, @status, @error_code, @error_message, @started_at, @finished_at, @steps_json,
           @hkd_sha256_json, @hkd_report_json, @add_data_json, @cuid, @measurement, @user_data, @additional_data_json, @request, @response,
           @arpk_sealed, @arpk_key_id, @owner, @content_hash)`,
      ).run({ ...row, content_hash: contentHash });
      audit.append({ action: 'attestation.finished', subjectType: 'attestation', subjectId: 1, data: { contentHash } });
    }).immediate();
    v1.close();

    const store = openStore({ path: t.path });
    try {
      assert.equal(store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.deepEqual(store.audit.verify().ok, true);
      const g = store.guests.get('old-guest');
      assert.deepEqual(g.tags, []);
      assert.equal(store.attestations.list(g.id)[0]?.cuid, '05'.repeat(16));
      // the v2 feature works on the migrated rows
      store.guests.edit('old-guest', { tags: ['legacy'] });
      assert.deepEqual(
        store.guests.list({ tag: 'legacy' }).map((x) => x.name),
        ['old-guest'],
      );
      assert.equal(store.audit.verify().ok, true);
    } finally {
      store.close();
    }
  } finally {
    t.cleanup();
  }
});

test('a file from a newer build is refused with ERR_STORE_SCHEMA_TOO_NEW', () => {
  const t = tempDb();
  try {
    const db = new Database(t.path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => openStore({ path: t.path }),
      (e) => isAttestError(e, 'ERR_STORE_SCHEMA_TOO_NEW'),
    );
  } finally {
    t.cleanup();
  }
});

test('a missing folder gives ERR_STORE_OPEN', () => {
  assert.throws(
    () => openStore({ path: '/nonexistent-folder-se/x.db' }),
    (e) => isAttestError(e, 'ERR_STORE_OPEN'),
  );
});

test('a file that is not a database gives ERR_STORE_OPEN', async () => {
  const t = tempDb();
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(t.path, 'this is not sqlite'.repeat(100));
    assert.throws(
      () => openStore({ path: t.path }),
      (e) => isAttestError(e, 'ERR_STORE_OPEN'),
    );
  } finally {
    t.cleanup();
  }
});
