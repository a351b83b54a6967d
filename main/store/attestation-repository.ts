/**
 * Attestation attempts, one row each. Crash safety: `begin` writes the row as `pending` (with the request, the
 * sealed ARPK and the policy it will be judged against) before the guest is contacted; `finish` completes it in
 * one transaction together with its audit entry; at the next open, pending rows left by a process that no
 * longer runs are marked `interrupted`. Each write records the row's content hash in the audit chain.
 *
 * Verdicts: every record carries the verdict `judgeAttestation` gives for the row alone (see `judgeStoredRow`),
 * and `finish` refuses an outcome other than that one (ERR_STORE_OUTCOME_MISMATCH), so what is stored is
 * always what the one verdict function decides.
 */
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../../shared/canonical-json.js';
import { AttestError, type ErrorCode } from '../../shared/errors/index.js';
import type {
  AddDataKind,
  AttestationAdditionalData,
  AttestationPolicy,
  AttestationRecord,
  AttestationStatus,
  AttestationSteps,
} from '../../shared/types/store.js';
import type { Verdict } from '../../shared/types/verdict.js';
import { judgeAttestation } from '../engine/attest/verdict.js';
import {
  attestationBlobHashes,
  blobHash,
  hashAttestationRow,
  sha256Hex,
  type AttestationBlobHashes,
  type AttestationRow,
} from './content-hash.js';
import { readTransaction, writeTransaction, type StoreContext } from './store-context.js';

/** Inputs known before the guest is contacted. */
export interface BeginAttestationParams {
  /** SHA-256 (hex) of the HKDs the request is encrypted for, in slot order. */
  hkdSha256?: readonly string[];
  /** The HKD verification report (plain JSON), if the HKDs were verified. */
  hkdReport?: unknown;
  addData?: readonly AddDataKind[];
  /** Request exchange file bytes. */
  request?: Uint8Array;
  /** The 32-byte ARPK; sealed before it is written. */
  arpk?: Uint8Array;
  /** The bare SE header the response will be verified against (kept once per distinct header). */
  seHeader?: Uint8Array;
  /** The policy the attempt will be judged against (absent: not recorded, only the measurement decides). */
  policy?: AttestationPolicy | null;
  steps?: AttestationSteps;
}

/**
 * How an attempt ended. `status` must be the outcome `judgeAttestation` gives for the finished row (the
 * services take it from the verdict); anything else is refused with ERR_STORE_OUTCOME_MISMATCH.
 */
export interface FinishAttestationParams {
  status: Exclude<AttestationStatus, 'pending' | 'interrupted'>;
  errorCode?: ErrorCode | string | null;
  errorMessage?: string | null;
  steps?: AttestationSteps;
  response?: Uint8Array;
  cuid?: Uint8Array;
  measurement?: Uint8Array;
  userData?: Uint8Array;
  additionalData?: { [K in keyof AttestationAdditionalData]?: Uint8Array };
  hkdReport?: unknown;
  /** Set when the request was only created after `begin`. */
  request?: Uint8Array;
  arpk?: Uint8Array;
  /** The SSH host key the guest presented (`SHA256:…`). */
  hostKeyFingerprint?: string;
}

/** The stored bytes of an attempt, for re-verification or export (the ARPK unsealed). */
export interface AttestationSecrets {
  request: Uint8Array | null;
  response: Uint8Array | null;
  arpk: Uint8Array | null;
}

/** Parameters of `list`. */
export interface ListAttestationsParams {
  /** Only attempts started at or after this time. */
  since?: Date;
  /** Only attempts with an id below this (paging). */
  beforeId?: number;
  /** At most this many (default 50; -1 = all). */
  limit?: number;
}

const SUMMARY_COLUMNS = `a.*, g.name AS guest_name`;

/** The columns `begin` writes and those `finish` changes (bound by position: cheaper than by name). */
const INSERT_COLUMNS = [
  'id',
  'guest_id',
  'status',
  'started_at',
  'steps_json',
  'hkd_sha256_json',
  'hkd_report_json',
  'add_data_json',
  'request',
  'arpk_sealed',
  'arpk_key_id',
  'owner',
  'se_header_sha256',
  'policy_json',
  'content_hash',
] as const satisfies readonly (keyof AttestationRow)[];
/** The columns every `finish` sets; the HKD report, request and sealed ARPK only when it is given them. */
const FINISH_COLUMNS = [
  'status',
  'error_code',
  'error_message',
  'finished_at',
  'steps_json',
  'cuid',
  'measurement',
  'user_data',
  'additional_data_json',
  'response',
  'owner',
  'host_key_fingerprint',
  'content_hash',
] as const satisfies readonly (keyof AttestationRow)[];

/**
 * The columns of each `finish` variant, by a bit set: 1 = the HKD report is given, 2 = the request, 4 = the
 * ARPK. Built once; the statements are prepared on first use.
 */
const FINISH_VARIANTS: readonly (readonly (keyof AttestationRow)[])[] = Array.from({ length: 8 }, (_, bits) => [
  ...FINISH_COLUMNS,
  ...(bits & 1 ? (['hkd_report_json'] as const) : []),
  ...(bits & 2 ? (['request'] as const) : []),
  ...(bits & 4 ? (['arpk_sealed', 'arpk_key_id'] as const) : []),
]);

type JudgedColumns = Pick<
  AttestationRow,
  'status' | 'error_code' | 'error_message' | 'user_data' | 'additional_data_json' | 'hkd_sha256_json' | 'policy_json'
>;

/** The JSON columns a verdict needs, parsed (a writer that has the values passes them instead of text). */
interface ParsedColumns {
  readonly policy: AttestationPolicy | null;
  readonly hkdSha256: string[];
  readonly additionalData: AttestationAdditionalData | null;
}

function parseJudged(
  r: Pick<AttestationRow, 'policy_json' | 'hkd_sha256_json' | 'additional_data_json'>,
): ParsedColumns {
  return {
    policy: r.policy_json == null ? null : (JSON.parse(r.policy_json) as AttestationPolicy),
    hkdSha256: JSON.parse(r.hkd_sha256_json) as string[],
    additionalData:
      r.additional_data_json === null ? null : (JSON.parse(r.additional_data_json) as AttestationAdditionalData),
  };
}

/**
 * The verdict of a stored attempt from its row alone (null while pending): failures by their code, an
 * interrupted run as such, a `mismatch` row as a measurement that did not verify, a `verified` or
 * `policy-violation` row as one that did, judged against its recorded policy and what it saw. A violation
 * recorded before schema 6 (no policy column) keeps its recorded code.
 */
export function judgeStoredRow(r: JudgedColumns): Verdict | null {
  return judgeParsed(r, parseJudged(r));
}

function judgeParsed(
  r: Pick<AttestationRow, 'status' | 'error_code' | 'error_message' | 'user_data'>,
  c: ParsedColumns,
): Verdict | null {
  switch (r.status as AttestationStatus) {
    case 'pending':
      return null;
    case 'interrupted':
      return judgeAttestation({ kind: 'interrupted', message: r.error_message });
    case 'error':
    case 'cancelled':
      return judgeAttestation({ kind: 'failed', code: r.error_code, message: r.error_message });
    default: {
      return judgeAttestation({
        kind: 'measured',
        measurementVerified: r.status !== 'mismatch',
        policy: c.policy,
        seen: { userData: hexOrNull(r.user_data), additionalData: c.additionalData, hkdSha256: c.hkdSha256 },
        recordedViolation:
          r.status === 'policy-violation' && r.error_code !== null
            ? { code: r.error_code, message: r.error_message }
            : null,
      });
    }
  }
}

/** The `pid@hostname` owner string of this process. */
export function currentOwner(): string {
  return `${process.pid}@${hostname()}`;
}

/** True when process `pid` runs on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `into` with the steps of `more` merged in as `{ ...into, ...more }` would, except that a step `more` gives as
 * undefined is removed rather than kept undefined: the result is what JSON.parse of its JSON text (`steps_json`)
 * gives, so the record can carry it without reading the text back.
 */
function withSteps(into: AttestationSteps, more: AttestationSteps | undefined): AttestationSteps {
  if (more) {
    for (const k of Object.keys(more)) {
      const v = more[k];
      if (v === undefined) delete into[k];
      else into[k] = v;
    }
  }
  return into;
}

function hexOrNull(b: Uint8Array | null | undefined): string | null {
  if (b == null) return null;
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('hex');
}

/** A pending row this connection wrote, with its blob hashes (see `AttestationRepository.pending`). */
interface PendingRow {
  readonly row: AttestationRow;
  readonly blobs: AttestationBlobHashes;
  readonly parsed: ParsedColumns;
  /** `row.steps_json` as an object (not shared with a caller), when the writer has it. */
  readonly steps?: AttestationSteps;
}

/** Most pending rows remembered per connection (a run that never finishes must not grow memory). */
const MAX_REMEMBERED_PENDING = 256;

/** Attestation rows of one store. */
export class AttestationRepository {
  private readonly insertStmt;
  /** `insertStmt` that inserts only when max(id) is the id less one (else: SQLITE_CONSTRAINT_NOTNULL). */
  private readonly insertNextStmt;
  private readonly rowStmt;
  /** The id after the one this connection inserted last (see `begin`). */
  private nextId: number | undefined;
  private readonly finishStmts: (Database.Statement | undefined)[] = [];
  /**
   * The pending rows `begin` wrote on this connection, so `finish` need not read them back and rehash their
   * blobs. `finish` uses an entry only when the stored row still carries the same content hash (anything that
   * changed it — another process, a rollback that freed the id — makes `finish` read the row from the file).
   */
  private readonly pending = new Map<number, PendingRow>();

  constructor(private readonly ctx: StoreContext) {
    const columns = INSERT_COLUMNS.join(', ');
    const values = INSERT_COLUMNS.map(() => '?').join(', ');
    this.insertStmt = ctx.db.prepare(`INSERT INTO attestations (${columns}) VALUES (${values})`);
    // content_hash (NOT NULL, the last column) is NULL unless max(id) is the value bound before it (a subquery in
    // VALUES: an INSERT … SELECT reading its own table would go through a temporary table)
    this.insertNextStmt = ctx.db.prepare(
      `INSERT INTO attestations (${columns}) VALUES (${INSERT_COLUMNS.map((c) =>
        c === 'content_hash' ? 'CASE WHEN (SELECT coalesce(max(id), 0) FROM attestations) = ? THEN ? END' : '?',
      ).join(', ')})`,
    );
    this.rowStmt = ctx.db.prepare('SELECT * FROM attestations WHERE id = ?');
  }

  /** Writes a `pending` attempt for guest `guestId` and returns its id (call before contacting the guest). */
  begin(guestId: number, p: BeginAttestationParams = {}): number {
    return writeTransaction(this.ctx, () => {
      const at = this.ctx.now().toISOString();
      const seHeaderSha256 = p.seHeader ? sha256Hex(p.seHeader) : null;
      if (p.seHeader) {
        this.ctx
          .stmt('INSERT OR IGNORE INTO se_headers (sha256, bytes) VALUES (?, ?)')
          .run(seHeaderSha256, Buffer.from(p.seHeader));
      }
      // the id this connection expects next; the INSERT checks it is max(id) + 1, else the id is read and it retries
      let id = this.nextId ?? this.readNextId();
      this.nextId = undefined;
      // a copy: the caller may reuse or wipe its buffer while the row is remembered for `finish`
      const request = p.request ? Buffer.from(p.request) : null;
      let entry = this.pendingRow(id, guestId, p, at, request, seHeaderSha256);
      try {
        // values spread as arguments: better-sqlite3 reads arguments faster than array elements
        try {
          this.insertNextStmt.run(
            ...INSERT_COLUMNS.map((c) => (c === 'content_hash' ? id - 1 : entry.row[c])),
            entry.row.content_hash,
          );
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (code !== 'SQLITE_CONSTRAINT_NOTNULL' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
          id = this.readNextId();
          entry = this.pendingRow(id, guestId, p, at, request, seHeaderSha256);
          this.insertStmt.run(...INSERT_COLUMNS.map((c) => entry.row[c]));
        }
      } catch (error) {
        // the foreign key on guest_id is the existence check (one statement less per attempt)
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && !this.guestExists(guestId))
          throw new AttestError('ERR_STORE_GUEST_NOT_FOUND', `no guest with id ${guestId}`, { guestId });
        throw error;
      }
      this.nextId = id + 1;
      this.ctx.audit.record({
        action: 'attestation.started',
        subjectType: 'attestation',
        subjectId: id,
        data: { guestId, contentHash: entry.row.content_hash },
        at,
      });
      this.remember(id, entry);
      return id;
    });
  }

  /** The pending row `begin` writes as attempt `id` (the ARPK is sealed for that id), with its hashes. */
  private pendingRow(
    id: number,
    guestId: number,
    p: BeginAttestationParams,
    at: string,
    request: Buffer | null,
    seHeaderSha256: string | null,
  ): PendingRow {
    const steps = withSteps({ started: at }, p.steps);
    // every row object is built with all columns in one order (one hidden class: no spreads, no deletes)
    const row: AttestationRow = {
      id,
      guest_id: guestId,
      status: 'pending',
      error_code: null,
      error_message: null,
      started_at: at,
      finished_at: null,
      steps_json: JSON.stringify(steps),
      hkd_sha256_json: JSON.stringify(p.hkdSha256 ?? []),
      hkd_report_json: p.hkdReport === undefined ? null : JSON.stringify(p.hkdReport),
      add_data_json: JSON.stringify(p.addData ?? []),
      cuid: null,
      measurement: null,
      user_data: null,
      additional_data_json: null,
      request,
      response: null,
      arpk_sealed: p.arpk ? this.ctx.sealer.seal(p.arpk, id) : null,
      arpk_key_id: p.arpk ? this.ctx.sealer.keyId() : null,
      owner: this.ctx.owner,
      se_header_sha256: seHeaderSha256,
      host_key_fingerprint: null,
      policy_json: p.policy == null ? null : canonicalJson(p.policy),
      content_hash: '',
    };
    const blobs = attestationBlobHashes(row);
    row.content_hash = hashAttestationRow(row, blobs);
    return { row, blobs, parsed: parseJudged(row), steps };
  }

  private readNextId(): number {
    return this.ctx.stmt('SELECT coalesce(max(id), 0) + 1 FROM attestations').pluck().get() as number;
  }

  private guestExists(id: number): boolean {
    return this.ctx.stmt('SELECT 1 FROM guests WHERE id = ?').get(id) !== undefined;
  }

  private remember(id: number, entry: PendingRow): void {
    this.pending.delete(id);
    if (this.pending.size >= MAX_REMEMBERED_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(id, entry);
  }

  /** Completes a pending attempt in one transaction; throws ERR_STORE_ATTESTATION_NOT_PENDING otherwise. */
  finish(id: number, p: FinishAttestationParams): AttestationRecord {
    return writeTransaction(this.ctx, () => {
      const at = this.ctx.now().toISOString();
      const remembered = this.pending.get(id);
      this.pending.delete(id);
      const done = remembered && this.complete(remembered, p, at, true);
      if (done) return done;
      // not begun on this connection, or the stored row changed since: finish the row as stored
      const row = this.requireRow(id);
      if (row.status !== 'pending') {
        throw new AttestError('ERR_STORE_ATTESTATION_NOT_PENDING', `attestation ${id} is ${row.status}, not pending`, {
          id,
          status: row.status,
        });
      }
      const finished = this.complete(
        { row, blobs: attestationBlobHashes(row), parsed: parseJudged(row) },
        p,
        at,
        false,
      );
      if (!finished) throw new Error(`attestation ${id} changed inside its own write transaction`);
      return finished;
    });
  }

  /**
   * Writes the finished row built from pending row `cur` and its audit entry. When `cur` is a remembered row
   * (`remembered`), the UPDATE itself checks that the stored row is still that one (pending, same content
   * hash), and undefined is returned when it is not or when `p` is not its verdict, for the caller to decide
   * on the row as stored.
   */
  private complete(
    cur: PendingRow,
    p: FinishAttestationParams,
    at: string,
    remembered: boolean,
  ): AttestationRecord | undefined {
    const { row: was, blobs: wasBlobs, parsed: wasParsed } = cur;
    const id = was.id;
    // (a remembered entry is already out of `pending`: its steps object is this call's to change)
    const steps = withSteps(withSteps(cur.steps ?? (JSON.parse(was.steps_json) as AttestationSteps), p.steps), {
      finished: at,
    });
    let add: Record<string, string> | undefined;
    if (p.additionalData) {
      add = {};
      for (const [k, v] of Object.entries(p.additionalData)) if (v != null) add[k] = hexOrNull(v)!;
    }
    const row: AttestationRow = {
      id,
      guest_id: was.guest_id,
      status: p.status,
      error_code: p.errorCode ?? null,
      error_message: p.errorMessage ?? null,
      started_at: was.started_at,
      finished_at: at,
      steps_json: JSON.stringify(steps),
      hkd_sha256_json: was.hkd_sha256_json,
      hkd_report_json: p.hkdReport === undefined ? was.hkd_report_json : JSON.stringify(p.hkdReport),
      add_data_json: was.add_data_json,
      // bound as given: SQLite copies them, and nothing keeps them after this transaction
      cuid: p.cuid ?? null,
      measurement: p.measurement ?? null,
      user_data: p.userData ?? null,
      additional_data_json: add ? JSON.stringify(add) : null,
      request: p.request ?? was.request,
      response: p.response ?? null,
      arpk_sealed: p.arpk ? this.ctx.sealer.seal(p.arpk, id) : was.arpk_sealed,
      arpk_key_id: p.arpk ? this.ctx.sealer.keyId() : was.arpk_key_id,
      owner: null,
      se_header_sha256: was.se_header_sha256 ?? null,
      host_key_fingerprint: p.hostKeyFingerprint ?? was.host_key_fingerprint ?? null,
      policy_json: was.policy_json ?? null,
      content_hash: '',
    };
    const parsed: ParsedColumns = { ...wasParsed, additionalData: add ?? null };
    const verdict = judgeParsed(row, parsed);
    if (verdict?.outcome !== p.status) {
      if (remembered) return undefined;
      throw new AttestError(
        'ERR_STORE_OUTCOME_MISMATCH',
        `attestation ${id}: outcome ${p.status} is not the verdict of its row (${verdict?.outcome ?? 'none'})`,
        { id, status: p.status, verdict: verdict?.outcome ?? null },
      );
    }
    const blobs: AttestationBlobHashes = {
      cuid: blobHash(row.cuid),
      measurement: blobHash(row.measurement),
      user_data: blobHash(row.user_data),
      request: p.request ? blobHash(row.request) : wasBlobs.request,
      response: blobHash(row.response),
      arpk_sealed: p.arpk ? blobHash(row.arpk_sealed) : wasBlobs.arpk_sealed,
    };
    const contentHash = hashAttestationRow(row, blobs);
    row.content_hash = contentHash;
    const bits = (p.hkdReport !== undefined ? 1 : 0) | (p.request ? 2 : 0) | (p.arpk ? 4 : 0);
    const columns = FINISH_VARIANTS[bits]!;
    const values: unknown[] = columns.map((c) => row[c]);
    values.push(id, was.content_hash);
    // the UPDATE itself checks that the stored row is still the pending one it was built from, and returns the
    // guest's name for the record
    const updated = (this.finishStmts[bits] ??= this.ctx.db
      .prepare(
        `UPDATE attestations SET ${columns.map((c) => `${c} = ?`).join(', ')}
       WHERE id = ? AND status = 'pending' AND content_hash = ?
       RETURNING (SELECT name FROM guests WHERE guests.id = attestations.guest_id)`,
      )
      .pluck());
    const guestName = updated.get(...values) as string | undefined;
    if (guestName === undefined) return undefined;
    this.ctx.audit.record({
      action: 'attestation.finished',
      subjectType: 'attestation',
      subjectId: id,
      data: { guestId: was.guest_id, status: p.status, errorCode: p.errorCode ?? null, contentHash },
      at,
    });
    return this.toRecord(row, guestName, parsed, verdict, blobs, steps);
  }

  /**
   * Marks `interrupted` every pending row started before `before` whose writer is gone (on this host: its pid
   * no longer runs; rows from other hosts are taken as gone). Returns the ids marked.
   */
  recoverInterrupted(before: Date): number[] {
    const stale = () =>
      (
        this.ctx.stmt("SELECT id, owner, started_at FROM attestations WHERE status = 'pending'").all() as {
          id: number;
          owner: string | null;
          started_at: string;
        }[]
      ).filter((r) => {
        if (r.started_at > before.toISOString()) return false;
        if (r.owner === this.ctx.owner) return false;
        const m = /^(\d+)@(.*)$/.exec(r.owner ?? '');
        if (m && m[2] === hostname() && processAlive(Number(m[1]))) return false;
        return true;
      });
    if (readTransaction(this.ctx, stale).length === 0) return [];
    return writeTransaction(this.ctx, () => {
      const ids: number[] = [];
      for (const r of stale()) {
        const cur = this.requireRow(r.id);
        const at = this.ctx.now().toISOString();
        // (content_hash is not part of what it hashes)
        const row: AttestationRow = {
          ...cur,
          status: 'interrupted',
          finished_at: at,
          error_message: 'the process recording this attestation ended before it finished',
          owner: null,
        };
        const contentHash = hashAttestationRow(row);
        this.ctx
          .stmt(
            "UPDATE attestations SET status = 'interrupted', finished_at = ?, error_message = ?, owner = NULL, content_hash = ? WHERE id = ?",
          )
          .run(at, row.error_message, contentHash, r.id);
        this.ctx.audit.append({
          action: 'attestation.interrupted',
          subjectType: 'attestation',
          subjectId: r.id,
          data: { guestId: cur.guest_id, previousOwner: r.owner, contentHash },
        });
        ids.push(r.id);
      }
      return ids;
    });
  }

  /**
   * Ids of the attempts started in [from, to), optionally of some guests only, ordered by guest name, start
   * time and id (the order evidence bundles list them in).
   */
  idsInPeriod(p: { from: Date; to: Date; guestIds?: readonly number[] }): number[] {
    return readTransaction(this.ctx, () => {
      const rows = this.ctx
        .stmt(
          `SELECT a.id, a.guest_id FROM attestations a JOIN guests g ON g.id = a.guest_id
           WHERE a.started_at >= ? AND a.started_at < ? ORDER BY g.name, g.id, a.started_at, a.id`,
        )
        .all(p.from.toISOString(), p.to.toISOString()) as { id: number; guest_id: number }[];
      const only = p.guestIds ? new Set(p.guestIds) : undefined;
      return rows.filter((r) => !only || only.has(r.guest_id)).map((r) => r.id);
    });
  }

  /** One attempt (without secrets); throws ERR_STORE_ATTESTATION_NOT_FOUND. */
  get(id: number): AttestationRecord {
    return readTransaction(this.ctx, () => {
      const r = this.rowWithName(id);
      return this.toRecord(r, r.guest_name);
    });
  }

  /** Attempts of guest `guestId`, newest first. */
  list(guestId: number, p: ListAttestationsParams = {}): AttestationRecord[] {
    return readTransaction(this.ctx, () =>
      (
        this.ctx
          .stmt(
            `SELECT ${SUMMARY_COLUMNS} FROM attestations a JOIN guests g ON g.id = a.guest_id
             WHERE a.guest_id = ? AND a.started_at >= ? AND a.id < ? ORDER BY a.id DESC LIMIT ?`,
          )
          .all(
            guestId,
            p.since ? p.since.toISOString() : '',
            p.beforeId ?? Number.MAX_SAFE_INTEGER,
            p.limit ?? 50,
          ) as (AttestationRow & {
          guest_name: string;
        })[]
      ).map((r) => this.toRecord(r, r.guest_name)),
    );
  }

  /** The request, response and unsealed ARPK of an attempt (for re-verification; never log these). */
  secrets(id: number): AttestationSecrets {
    const row = readTransaction(this.ctx, () => this.requireRow(id));
    return {
      request: row.request ? new Uint8Array(row.request) : null,
      response: row.response ? new Uint8Array(row.response) : null,
      arpk: row.arpk_sealed ? this.ctx.sealer.open(row.arpk_sealed, id) : null,
    };
  }

  /** The SE header attempt `id` was verified against (schema 3 on), or null. */
  seHeader(id: number): Uint8Array | null {
    return readTransaction(this.ctx, () => {
      const row = this.ctx
        .stmt('SELECT h.bytes FROM attestations a JOIN se_headers h ON h.sha256 = a.se_header_sha256 WHERE a.id = ?')
        .pluck()
        .get(id) as Buffer | undefined;
      return row ? new Uint8Array(row) : null;
    });
  }

  /** Number of stored attempts. */
  count(): number {
    return readTransaction(this.ctx, () => this.ctx.stmt('SELECT count(*) FROM attestations').pluck().get() as number);
  }

  private requireRow(id: number): AttestationRow {
    const row = this.rowStmt.get(id) as AttestationRow | undefined;
    if (!row) throw new AttestError('ERR_STORE_ATTESTATION_NOT_FOUND', `no attestation ${id}`, { id });
    return row;
  }

  private rowWithName(id: number): AttestationRow & { guest_name: string } {
    const row = this.ctx
      .stmt(`SELECT ${SUMMARY_COLUMNS} FROM attestations a JOIN guests g ON g.id = a.guest_id WHERE a.id = ?`)
      .get(id) as (AttestationRow & { guest_name: string }) | undefined;
    if (!row) throw new AttestError('ERR_STORE_ATTESTATION_NOT_FOUND', `no attestation ${id}`, { id });
    return row;
  }

  private toRecord(
    r: AttestationRow,
    guestName: string,
    parsed: ParsedColumns = parseJudged(r),
    verdict: Verdict | null = judgeParsed(r, parsed),
    blobs?: Pick<AttestationBlobHashes, 'request' | 'response'>,
    steps: AttestationSteps = JSON.parse(r.steps_json) as AttestationSteps,
  ): AttestationRecord {
    return {
      id: r.id,
      guestId: r.guest_id,
      guestName,
      status: r.status as AttestationStatus,
      policy: parsed.policy,
      verdict,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      steps,
      hkdSha256: parsed.hkdSha256,
      hkdReport: r.hkd_report_json === null ? null : (JSON.parse(r.hkd_report_json) as unknown),
      addData: JSON.parse(r.add_data_json) as AddDataKind[],
      cuid: hexOrNull(r.cuid),
      measurement: hexOrNull(r.measurement),
      userData: hexOrNull(r.user_data),
      additionalData: parsed.additionalData,
      requestSha256: blobs ? blobs.request : blobHash(r.request),
      requestSize: r.request ? r.request.length : null,
      responseSha256: blobs ? blobs.response : blobHash(r.response),
      responseSize: r.response ? r.response.length : null,
      hasArpk: r.arpk_sealed !== null,
      seHeaderSha256: r.se_header_sha256 ?? null,
      hostKeyFingerprint: r.host_key_fingerprint ?? null,
      contentHash: r.content_hash,
    };
  }
}
