/**
 * Numbered schema migrations, applied in order at open; the version reached is kept in `PRAGMA user_version`.
 * Never edit a released migration: append a new one. Each runs in its own IMMEDIATE transaction together with
 * the version bump, so a crash leaves the file at the previous version.
 *
 * | Version | Change |
 * |---|---|
 * | 1 | guests, trust_items, attestations, audit_log (+ append-only triggers) |
 * | 2 | guest_tags table; partial index of pending attestations; index for "last verified" per guest |
 * | 3 | se_headers (content-addressed SE headers); attestations.se_header_sha256: the header each attempt was verified against |
 * | 4 | trust_items.removed_at: trust material is removed softly, so past attestations keep their HKDs |
 * | 5 | guests.host_key_type (the pinned key's algorithm); attestations.host_key_fingerprint (the key the guest presented) |
 * | 6 | attestations rebuilt: status takes the outcome model (policy-violation, cancelled), policy_json (the policy each attempt is judged against); existing rows mapped and audited; settings |
 * | 7 | secret_releases (what a guest may be given after it verified; never the value) and release_runs (each release: its add-secret request, the CUID, the gating attestations) |
 * | 8 | the (guest, status) index replaced by a partial index of verified attempts per guest: one index page less written per attempt |
 */
import type Database from 'better-sqlite3';
import { AttestError } from '../../shared/errors/index.js';
import { AuditLog } from './audit-log.js';
import { hashAttestationRow, type AttestationRow } from './content-hash.js';

/** What a migration's code step may use besides the connection. */
export interface MigrationContext {
  /** The clock of the store being opened (audit entries written by a migration). */
  readonly now: () => Date;
}

/** One migration: the version it produces, its SQL, and an optional code step run after the SQL. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
  /** Runs in the same transaction as `sql` (row changes that need hashing and auditing). */
  readonly migrate?: (db: Database.Database, ctx: MigrationContext) => void;
}

/**
 * Schema 6 code step: rows schema 5 stored with a status that the outcome model splits are given their outcome —
 * `mismatch` with an ERR_POLICY_* code becomes `policy-violation`, `error` with a cancelling code `cancelled` —
 * each with its new content hash and one `attestation.migrated` audit entry (old and new status, new hash),
 * so `audit verify` keeps passing and the chain says what changed. No other column changes. The codes are the
 * schema-5 facts of this migration, written here on purpose: a released migration never changes with the code.
 */
function migrateOutcomes(db: Database.Database, ctx: MigrationContext): void {
  const policyCodes = [
    'ERR_POLICY_IMAGE_PHKH',
    'ERR_POLICY_ATTESTATION_PHKH',
    'ERR_POLICY_USER_DATA',
    'ERR_POLICY_ADD_DATA_MISSING',
    'ERR_POLICY_HOST_KEY',
  ];
  const cancellingCodes = ['ERR_APP_CANCELLED', 'ERR_APP_HOSTKEY_REJECTED', 'ERR_TRANSPORT_CANCELLED'];
  if ((db.pragma('foreign_key_check(attestations)') as unknown[]).length > 0)
    throw new Error('an attestation refers to a guest or SE header that does not exist');
  const audit = new AuditLog(db, ctx.now);
  const update = db.prepare('UPDATE attestations SET status = ?, content_hash = ? WHERE id = ?');
  const rows = db
    .prepare(
      `SELECT * FROM attestations WHERE (status = 'mismatch' AND error_code IN (${policyCodes.map(() => '?').join(',')}))
         OR (status = 'error' AND error_code IN (${cancellingCodes.map(() => '?').join(',')})) ORDER BY id`,
    )
    .all(...policyCodes, ...cancellingCodes) as AttestationRow[];
  for (const row of rows) {
    const status = row.status === 'mismatch' ? 'policy-violation' : 'cancelled';
    const { content_hash: previousHash, ...rest } = row;
    const contentHash = hashAttestationRow({ ...rest, status });
    update.run(status, contentHash, row.id);
    audit.append({
      action: 'attestation.migrated',
      subjectType: 'attestation',
      subjectId: row.id,
      data: {
        guestId: row.guest_id,
        schema: 6,
        from: row.status,
        to: status,
        errorCode: row.error_code,
        previousContentHash: previousHash,
        contentHash,
      },
    });
  }
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'guests, trust material, attestations, hash-chained audit log',
    sql: `
CREATE TABLE guests (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  ssh_target TEXT,
  jump_host TEXT,
  identity_ref TEXT,
  host_key_fingerprint TEXT,
  se_header BLOB,
  se_header_sha256 TEXT,
  image_path TEXT,
  policy_json TEXT NOT NULL DEFAULT '{}',
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  removed_at TEXT
);
CREATE UNIQUE INDEX guests_active_name ON guests(name) WHERE removed_at IS NULL;

CREATE TABLE trust_items (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('hkd', 'signing-key', 'ca', 'certificate', 'crl')),
  sha256 TEXT NOT NULL UNIQUE,
  der BLOB NOT NULL,
  subject TEXT,
  issuer TEXT NOT NULL,
  serial TEXT,
  this_update TEXT,
  next_update TEXT,
  phkh TEXT,
  source TEXT,
  imported_at TEXT NOT NULL
);

CREATE TABLE attestations (
  id INTEGER PRIMARY KEY,
  guest_id INTEGER NOT NULL REFERENCES guests(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'mismatch', 'error', 'interrupted')),
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  steps_json TEXT NOT NULL DEFAULT '{}',
  hkd_sha256_json TEXT NOT NULL DEFAULT '[]',
  hkd_report_json TEXT,
  add_data_json TEXT NOT NULL DEFAULT '[]',
  cuid BLOB,
  measurement BLOB,
  user_data BLOB,
  additional_data_json TEXT,
  request BLOB,
  response BLOB,
  arpk_sealed BLOB,
  arpk_key_id TEXT,
  owner TEXT,
  content_hash TEXT NOT NULL
);
CREATE INDEX attestations_guest ON attestations(guest_id);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id INTEGER,
  data_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  },
  {
    version: 2,
    description: 'guest tags; indexes for pending recovery and last-verified lookups',
    sql: `
CREATE TABLE guest_tags (
  guest_id INTEGER NOT NULL REFERENCES guests(id),
  tag TEXT NOT NULL,
  PRIMARY KEY (guest_id, tag)
) WITHOUT ROWID;
CREATE INDEX attestations_pending ON attestations(id) WHERE status = 'pending';
CREATE INDEX attestations_guest_status ON attestations(guest_id, status);
`,
  },
  {
    version: 3,
    description: 'the SE header each attestation was verified against (content-addressed)',
    sql: `
CREATE TABLE se_headers (
  sha256 TEXT PRIMARY KEY,
  bytes BLOB NOT NULL
) WITHOUT ROWID;
ALTER TABLE attestations ADD COLUMN se_header_sha256 TEXT REFERENCES se_headers(sha256);
`,
  },
  {
    version: 4,
    description: 'soft removal of trust material',
    sql: `
ALTER TABLE trust_items ADD COLUMN removed_at TEXT;
`,
  },
  {
    version: 5,
    description: "the pinned SSH host key's algorithm, and the host key each attestation saw",
    sql: `
ALTER TABLE guests ADD COLUMN host_key_type TEXT;
ALTER TABLE attestations ADD COLUMN host_key_fingerprint TEXT;
`,
  },
  {
    version: 6,
    description: 'the outcome model in attestations.status, the policy each attempt is judged against, settings',
    // SQLite cannot alter a CHECK constraint: the table is rebuilt (every column, index and foreign key kept).
    sql: `
CREATE TABLE attestations_v6 (
  id INTEGER PRIMARY KEY,
  guest_id INTEGER NOT NULL REFERENCES guests(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'policy-violation', 'mismatch', 'error', 'cancelled', 'interrupted')),
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  steps_json TEXT NOT NULL DEFAULT '{}',
  hkd_sha256_json TEXT NOT NULL DEFAULT '[]',
  hkd_report_json TEXT,
  add_data_json TEXT NOT NULL DEFAULT '[]',
  cuid BLOB,
  measurement BLOB,
  user_data BLOB,
  additional_data_json TEXT,
  request BLOB,
  response BLOB,
  arpk_sealed BLOB,
  arpk_key_id TEXT,
  owner TEXT,
  content_hash TEXT NOT NULL,
  se_header_sha256 TEXT REFERENCES se_headers(sha256),
  host_key_fingerprint TEXT,
  policy_json TEXT
);
INSERT INTO attestations_v6 (id, guest_id, status, error_code, error_message, started_at, finished_at, steps_json,
  hkd_sha256_json, hkd_report_json, add_data_json, cuid, measurement, user_data, additional_data_json, request, response,
  arpk_sealed, arpk_key_id, owner, content_hash, se_header_sha256, host_key_fingerprint)
SELECT id, guest_id, status, error_code, error_message, started_at, finished_at, steps_json,
  hkd_sha256_json, hkd_report_json, add_data_json, cuid, measurement, user_data, additional_data_json, request, response,
  arpk_sealed, arpk_key_id, owner, content_hash, se_header_sha256, host_key_fingerprint
FROM attestations;
DROP TABLE attestations;
ALTER TABLE attestations_v6 RENAME TO attestations;
CREATE INDEX attestations_guest ON attestations(guest_id);
CREATE INDEX attestations_pending ON attestations(id) WHERE status = 'pending';
CREATE INDEX attestations_guest_status ON attestations(guest_id, status);

CREATE TABLE settings (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
    migrate: migrateOutcomes,
  },
  {
    version: 7,
    description: 'secret releases of guests and the record of each release run',
    sql: `
CREATE TABLE secret_releases (
  id INTEGER PRIMARY KEY,
  guest_id INTEGER NOT NULL REFERENCES guests(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('uv', 'channel')),
  config_json TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  removed_at TEXT,
  content_hash TEXT NOT NULL
);
CREATE UNIQUE INDEX secret_releases_active ON secret_releases(guest_id, name) WHERE removed_at IS NULL;
CREATE TABLE release_runs (
  id INTEGER PRIMARY KEY,
  guest_id INTEGER NOT NULL REFERENCES guests(id),
  release_id INTEGER REFERENCES secret_releases(id),
  release_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'released', 'failed', 'interrupted')),
  failed_step TEXT,
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  cuid BLOB,
  secret_type INTEGER,
  secret_name TEXT,
  secret_id BLOB,
  request BLOB,
  added INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  prior_requests_json TEXT NOT NULL DEFAULT '[]',
  binding_sha256 TEXT,
  gate_attestation_id INTEGER REFERENCES attestations(id),
  check_attestation_id INTEGER REFERENCES attestations(id),
  owner TEXT,
  content_hash TEXT NOT NULL
);
CREATE INDEX release_runs_guest ON release_runs(guest_id, id);
`,
  },
  {
    version: 8,
    description: 'a partial index of verified attempts per guest instead of the (guest, status) index',
    // The (guest_id, status) index was written twice per attempt (pending, then its outcome). A guest's last
    // attempt of any outcome is found through attestations_guest (guest_id, id), its last verified one through
    // this partial index, which an attempt enters once, and only when verified.
    sql: `
DROP INDEX attestations_guest_status;
CREATE INDEX attestations_guest_verified ON attestations(guest_id, id) WHERE status = 'verified';
`,
  },
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The schema version recorded in the file. */
export function readSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration above the file's version up to `target` (default: the latest); returns the
 * versions applied. Throws ERR_STORE_SCHEMA_TOO_NEW for a file written by a newer build.
 */
export function applyMigrations(
  db: Database.Database,
  target: number = LATEST_SCHEMA_VERSION,
  ctx: MigrationContext = { now: () => new Date() },
): number[] {
  const current = readSchemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new AttestError(
      'ERR_STORE_SCHEMA_TOO_NEW',
      `database schema version ${current} is newer than this program's (${LATEST_SCHEMA_VERSION})`,
      { version: current, supported: LATEST_SCHEMA_VERSION },
    );
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    const step = db.transaction(() => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      if (readSchemaVersion(db) >= m.version) return false;
      db.exec(m.sql);
      m.migrate?.(db, ctx);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    try {
      if (step.immediate()) applied.push(m.version);
    } catch (error) {
      if (error instanceof AttestError) throw error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_READONLY')))
        throw error;
      throw new AttestError('ERR_STORE_MIGRATION', `migration ${m.version} failed: ${(error as Error).message}`, {
        version: m.version,
      });
    }
  }
  return applied;
}
