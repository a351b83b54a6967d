/**
 * The append-only, hash-chained audit log. Entry n stores
 * `hash_n = SHA-256(bytes(hash_{n-1}) ‖ UTF-8(canonical JSON {seq, at, action, subjectType, subjectId, data}))`
 * with `hash_0` = 32 zero bytes. Entries that write a row carry that row's content hash in `data.contentHash`.
 * Triggers refuse UPDATE and DELETE on the table (defence in depth: plain SQL can drop them, which is what
 * `verifyAuditChain` is for).
 *
 * What verification catches: any edited, inserted or deleted entry before the head (seq gap, prev-hash or
 * hash mismatch); any guest, trust, attestation or setting row whose content no longer hashes to its last recorded
 * value, that has no audit entry, or whose audited row is gone. What it cannot catch on its own: the last
 * entries cut off together with the rows they describe, or the whole file replaced; compare `headHash` with
 * a copy kept elsewhere (an exported evidence bundle records it) for that.
 */
import type Database from 'better-sqlite3';
import type { AuditAction, AuditEntry, AuditVerification } from '../../shared/types/store.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import {
  hashAttestationRow,
  hashGuestRow,
  hashSettingRow,
  hashTrustRow,
  sha256Hex,
  type AttestationRow,
  type GuestRow,
  type SettingRow,
  type TrustRow,
} from './content-hash.js';
import { hashReleaseRow, hashReleaseRunRow, type ReleaseRow, type ReleaseRunRow } from './release-repository.js';

export const GENESIS_HASH = '0'.repeat(64);

/** What a caller supplies to append an entry. */
export interface AuditAppendParams {
  action: AuditAction;
  subjectType: AuditEntry['subjectType'];
  subjectId: number | null;
  data: Record<string, unknown>;
  /** The entry's time (ISO 8601); default: now. A writer passes the time it stamps on the row it writes. */
  at?: string;
}

interface AuditRow {
  seq: number;
  at: string;
  action: string;
  subject_type: string;
  subject_id: number | null;
  data_json: string;
  prev_hash: string;
  hash: string;
}

/** The fields of an entry that its hash covers. */
export type HashedAuditFields = Pick<AuditEntry, 'seq' | 'at' | 'subjectId' | 'data'> & {
  readonly action: string;
  readonly subjectType: string;
};

/**
 * The hash of an entry given its predecessor's hash: SHA-256(bytes(prevHash) ‖ UTF-8(canonical JSON of
 * {seq, at, action, subjectType, subjectId, data})). Evidence bundles re-walk exported entries with it.
 */
export function computeEntryHash(prevHash: string, entry: HashedAuditFields): string {
  return entryHash(prevHash, entry.seq, entry.at, entry, canonicalJson(entry.data));
}

/** The bytes an entry hash covers, written in place for entries up to this size. */
const HASHED_BYTES = 4096;
const hashed = Buffer.allocUnsafe(HASHED_BYTES);

/**
 * `computeEntryHash` with the entry's data already in canonical JSON (the appender has it: it is what it
 * stores). The body is canonicalJson({seq, at, action, subjectType, subjectId, data}) written out: its keys
 * in canonical order (action, at, data, seq, subjectId, subjectType), each value as canonicalJson writes it.
 */
function entryHash(
  prevHash: string,
  seq: number,
  at: string,
  entry: Pick<HashedAuditFields, 'action' | 'subjectType' | 'subjectId'>,
  dataJson: string,
): string {
  const body =
    `{"action":${canonicalJson(entry.action)},"at":${canonicalJson(at)},"data":${dataJson},` +
    `"seq":${canonicalJson(seq)},"subjectId":${canonicalJson(entry.subjectId)},` +
    `"subjectType":${canonicalJson(entry.subjectType)}}`;
  // In place when it fits (at most 3 UTF-8 bytes per UTF-16 code unit); a hash read from elsewhere (an
  // exported bundle) may be anything, and is hashed as its hex decoding, as always.
  if (32 + body.length * 3 > HASHED_BYTES || prevHash.length !== 64 || hashed.write(prevHash, 0, 32, 'hex') !== 32) {
    return sha256Hex(Buffer.concat([Buffer.from(prevHash, 'hex'), Buffer.from(body, 'utf8')]));
  }
  const n = hashed.write(body, 32, 'utf8');
  return sha256Hex(hashed.subarray(0, 32 + n));
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    action: r.action as AuditAction,
    subjectType: r.subject_type as AuditEntry['subjectType'],
    subjectId: r.subject_id,
    data: JSON.parse(r.data_json) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The last entry, as an appender links to it (seq 0 and the genesis hash for an empty log). */
interface Head {
  readonly seq: number;
  readonly hash: string;
}

/** Appends to and reads the audit log of one database connection. */
export class AuditLog {
  private readonly headStmt;
  private readonly insertStmt;
  private readonly insertAfterStmt;
  /**
   * The entry this connection appended last, taken as the head without reading it. The INSERT that links to it
   * checks that it still is: the entry exists with that hash (nothing rolled it back: else prev_hash would be
   * NULL) and no entry follows it (the seq is the primary key: another connection's append makes the insert
   * fail). Either failure reads the head and appends again.
   */
  private head: Head | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.headStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const columns = 'seq, at, action, subject_type, subject_id, data_json, prev_hash, hash';
    this.insertStmt = db.prepare(`INSERT INTO audit_log (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    // prev_hash (NOT NULL) is NULL unless entry `seq - 1` is there with that hash (a subquery in VALUES: an
    // INSERT … SELECT reading its own table would go through a temporary table)
    this.insertAfterStmt = db.prepare(
      `INSERT INTO audit_log (${columns})
       VALUES (?, ?, ?, ?, ?, ?, CASE WHEN (SELECT hash FROM audit_log WHERE seq = ?) = ? THEN ? END, ?)`,
    );
  }

  /** Appends one entry; must run inside the caller's write transaction. Returns the entry. */
  append(p: AuditAppendParams): AuditEntry {
    const { seq, at, dataJson, prevHash, hash } = this.write(p);
    const data = JSON.parse(dataJson) as Record<string, unknown>;
    return { seq, at, action: p.action, subjectType: p.subjectType, subjectId: p.subjectId, data, prevHash, hash };
  }

  /** `append` for a writer that does not read the entry back (the per-attempt path: no copy of its data). */
  record(p: AuditAppendParams): void {
    this.write(p);
  }

  private write(p: AuditAppendParams): { seq: number; at: string; dataJson: string; prevHash: string; hash: string } {
    if (!this.db.inTransaction) throw new Error('AuditLog.append must run inside a write transaction');
    const at = p.at ?? this.now().toISOString();
    // The hash covers exactly the stored text (canonical JSON reads back to the same canonical JSON).
    const dataJson = canonicalJson(p.data);
    const cached = this.head;
    this.head = undefined;
    if (cached) {
      const seq = cached.seq + 1;
      const hash = entryHash(cached.hash, seq, at, p, dataJson);
      let linked = false;
      try {
        const prev = cached.hash;
        this.insertAfterStmt.run(seq, at, p.action, p.subjectType, p.subjectId, dataJson, cached.seq, prev, prev, hash);
        linked = true;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && code !== 'SQLITE_CONSTRAINT_NOTNULL') throw error;
      }
      if (linked) {
        this.head = { seq, hash };
        return { seq, at, dataJson, prevHash: cached.hash, hash };
      }
    }
    const head = this.headStmt.get() as Head | undefined;
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const hash = entryHash(prevHash, seq, at, p, dataJson);
    this.insertStmt.run(seq, at, p.action, p.subjectType, p.subjectId, dataJson, prevHash, hash);
    this.head = { seq, hash };
    return { seq, at, dataJson, prevHash, hash };
  }

  /** Entries in order, optionally from `afterSeq` on, at most `limit`. */
  list(params: { afterSeq?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(params.afterSeq ?? 0, params.limit ?? -1) as AuditRow[];
    return rows.map(toEntry);
  }

  /** The last entry's hash, or null for an empty log. */
  headHash(): string | null {
    return (this.headStmt.get() as { hash: string } | undefined)?.hash ?? null;
  }

  /** Walks the chain and every audited table; reports the first broken entry or row. */
  verify(): AuditVerification {
    const db = this.db;
    const run = db.transaction((): AuditVerification => {
      const latest = new Map<string, { seq: number; contentHash: string }>();
      let prev = GENESIS_HASH;
      let expectedSeq = 1;
      let entries = 0;
      for (const r of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
        const fail = (reason: string, seq: number = r.seq): AuditVerification => ({
          ok: false,
          entries,
          headHash: prev === GENESIS_HASH ? null : prev,
          firstBroken:
            seq === r.seq ? { seq, subjectType: r.subject_type, subjectId: r.subject_id, reason } : { seq, reason },
        });
        if (r.seq !== expectedSeq)
          return fail(`entry ${expectedSeq} is missing (the next entry is ${r.seq})`, expectedSeq);
        if (r.prev_hash !== prev) return fail(`entry ${r.seq} does not link to the previous entry's hash`);
        let data: Record<string, unknown>;
        try {
          data = JSON.parse(r.data_json) as Record<string, unknown>;
        } catch {
          return fail(`entry ${r.seq} has unreadable data`);
        }
        const recomputed = computeEntryHash(prev, {
          seq: r.seq,
          at: r.at,
          action: r.action as AuditAction,
          subjectType: r.subject_type as AuditEntry['subjectType'],
          subjectId: r.subject_id,
          data,
        });
        if (recomputed !== r.hash) return fail(`entry ${r.seq} was altered (its hash does not match its content)`);
        if (typeof data.contentHash === 'string' && r.subject_id !== null) {
          latest.set(`${r.subject_type}:${r.subject_id}`, { seq: r.seq, contentHash: data.contentHash });
        }
        prev = r.hash;
        expectedSeq++;
        entries++;
      }
      const headHash = entries === 0 ? null : prev;
      const checkRow = (type: string, id: number, actual: string): AuditVerification | undefined => {
        const key = `${type}:${id}`;
        const rec = latest.get(key);
        if (!rec) {
          return {
            ok: false,
            entries,
            headHash,
            firstBroken: {
              seq: null,
              subjectType: type,
              subjectId: id,
              reason: `${type} ${id} has no audit entry (inserted outside the application)`,
            },
          };
        }
        latest.delete(key);
        if (rec.contentHash !== actual) {
          return {
            ok: false,
            entries,
            headHash,
            firstBroken: {
              seq: rec.seq,
              subjectType: type,
              subjectId: id,
              reason: `${type} ${id} was changed after audit entry ${rec.seq} recorded it`,
            },
          };
        }
        return undefined;
      };
      const tagsStmt = db.prepare('SELECT tag FROM guest_tags WHERE guest_id = ?').pluck();
      for (const g of db.prepare('SELECT * FROM guests ORDER BY id').iterate() as IterableIterator<GuestRow>) {
        const bad = checkRow('guest', g.id, hashGuestRow(g, tagsStmt.all(g.id) as string[]));
        if (bad) return bad;
      }
      for (const t of db.prepare('SELECT * FROM trust_items ORDER BY id').iterate() as IterableIterator<TrustRow>) {
        if (sha256Hex(t.der) !== t.sha256) {
          return {
            ok: false,
            entries,
            headHash,
            firstBroken: {
              seq: latest.get(`trust:${t.id}`)?.seq ?? null,
              subjectType: 'trust',
              subjectId: t.id,
              reason: `trust item ${t.id} bytes do not match its SHA-256`,
            },
          };
        }
        const bad = checkRow('trust', t.id, hashTrustRow(t));
        if (bad) return bad;
      }
      for (const a of db
        .prepare('SELECT * FROM attestations ORDER BY id')
        .iterate() as IterableIterator<AttestationRow>) {
        const actual = hashAttestationRow(a);
        if (actual !== a.content_hash) {
          return {
            ok: false,
            entries,
            headHash,
            firstBroken: {
              seq: latest.get(`attestation:${a.id}`)?.seq ?? null,
              subjectType: 'attestation',
              subjectId: a.id,
              reason: `attestation ${a.id} was changed (content hash mismatch)`,
            },
          };
        }
        const bad = checkRow('attestation', a.id, actual);
        if (bad) return bad;
      }
      // settings exist from schema 6 on, releases from schema 7 on (a file opened read-only may be older)
      const hasTable = (name: string) =>
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
      if (hasTable('settings')) {
        for (const s of db.prepare('SELECT * FROM settings ORDER BY id').iterate() as IterableIterator<SettingRow>) {
          const bad = checkRow('setting', s.id, hashSettingRow(s));
          if (bad) return bad;
        }
      }
      if (hasTable('release_runs')) {
        const releases = db
          .prepare('SELECT * FROM secret_releases ORDER BY id')
          .iterate() as IterableIterator<ReleaseRow>;
        for (const r of releases) {
          const bad = checkRow('release', r.id, hashReleaseRow(r));
          if (bad) return bad;
        }
        const runs = db.prepare('SELECT * FROM release_runs ORDER BY id').iterate() as IterableIterator<ReleaseRunRow>;
        for (const r of runs) {
          const bad = checkRow('release-run', r.id, hashReleaseRunRow(r));
          if (bad) return bad;
        }
      }
      const gone = [...latest.entries()].filter(([k]) =>
        ['guest:', 'trust:', 'attestation:', 'setting:', 'release:', 'release-run:'].some((prefix) =>
          k.startsWith(prefix),
        ),
      );
      if (gone.length > 0) {
        const first = gone.sort((x, y) => x[1].seq - y[1].seq)[0]!;
        const [type, id] = first[0].split(':');
        return {
          ok: false,
          entries,
          headHash,
          firstBroken: {
            seq: first[1].seq,
            subjectType: type,
            subjectId: Number(id),
            reason: `${type} ${id} recorded by audit entry ${first[1].seq} was deleted`,
          },
        };
      }
      return { ok: true, entries, headHash };
    });
    // A read transaction gives one consistent snapshot while writers go on (WAL).
    return run.deferred();
  }
}
