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
import { hashAttestationRow, sha256Hex, type AttestationRow } from './content-hash.js';
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

type JudgedColumns = Pick<
  AttestationRow,
  'status' | 'error_code' | 'error_message' | 'user_data' | 'additional_data_json' | 'hkd_sha256_json' | 'policy_json'
>;

/**
 * The verdict of a stored attempt from its row alone (null while pending): failures by their code, an
 * interrupted run as such, a `mismatch` row as a measurement that did not verify, a `verified` or
 * `policy-violation` row as one that did, judged against its recorded policy and what it saw. A violation
 * recorded before schema 6 (no policy column) keeps its recorded code.
 */
export function judgeStoredRow(r: JudgedColumns): Verdict | null {
  switch (r.status as AttestationStatus) {
    case 'pending':
      return null;
    case 'interrupted':
      return judgeAttestation({ kind: 'interrupted', message: r.error_message });
    case 'error':
    case 'cancelled':
      return judgeAttestation({ kind: 'failed', code: r.error_code, message: r.error_message });
    default: {
      const policy = r.policy_json == null ? null : (JSON.parse(r.policy_json) as AttestationPolicy);
      return judgeAttestation({
        kind: 'measured',
        measurementVerified: r.status !== 'mismatch',
        policy,
        seen: {
          userData: hexOrNull(r.user_data),
          additionalData:
            r.additional_data_json === null ? null : (JSON.parse(r.additional_data_json) as AttestationAdditionalData),
          hkdSha256: JSON.parse(r.hkd_sha256_json) as string[],
        },
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

function hexOrNull(b: Uint8Array | null | undefined): string | null {
  return b == null ? null : Buffer.from(b).toString('hex');
}

/** Attestation rows of one store. */
export class AttestationRepository {
  private readonly insertStmt;
  private readonly rowStmt;

  constructor(private readonly ctx: StoreContext) {
    this.insertStmt = ctx.db.prepare(
      `INSERT INTO attestations (id, guest_id, status, started_at, steps_json, hkd_sha256_json, hkd_report_json, add_data_json,
         request, arpk_sealed, arpk_key_id, owner, se_header_sha256, policy_json, content_hash)
       VALUES (@id, @guest_id, @status, @started_at, @steps_json, @hkd_sha256_json, @hkd_report_json, @add_data_json,
         @request, @arpk_sealed, @arpk_key_id, @owner, @se_header_sha256, @policy_json, @content_hash)`,
    );
    this.rowStmt = ctx.db.prepare('SELECT * FROM attestations WHERE id = ?');
  }

  /** Writes a `pending` attempt for guest `guestId` and returns its id (call before contacting the guest). */
  begin(guestId: number, p: BeginAttestationParams = {}): number {
    return writeTransaction(this.ctx, () => {
      const guest = this.ctx.stmt('SELECT id FROM guests WHERE id = ?').get(guestId);
      if (!guest) throw new AttestError('ERR_STORE_GUEST_NOT_FOUND', `no guest with id ${guestId}`, { guestId });
      const id = this.ctx.stmt('SELECT coalesce(max(id), 0) + 1 FROM attestations').pluck().get() as number;
      const at = this.ctx.now().toISOString();
      const row: Omit<AttestationRow, 'content_hash'> = {
        id,
        guest_id: guestId,
        status: 'pending',
        error_code: null,
        error_message: null,
        started_at: at,
        finished_at: null,
        steps_json: JSON.stringify({ started: at, ...(p.steps ?? {}) }),
        hkd_sha256_json: JSON.stringify(p.hkdSha256 ?? []),
        hkd_report_json: p.hkdReport === undefined ? null : JSON.stringify(p.hkdReport),
        add_data_json: JSON.stringify(p.addData ?? []),
        cuid: null,
        measurement: null,
        user_data: null,
        additional_data_json: null,
        request: p.request ? Buffer.from(p.request) : null,
        response: null,
        arpk_sealed: p.arpk ? Buffer.from(this.ctx.sealer.seal(p.arpk, id)) : null,
        arpk_key_id: p.arpk ? this.ctx.sealer.keyId() : null,
        owner: this.ctx.owner,
        se_header_sha256: p.seHeader ? sha256Hex(p.seHeader) : null,
        policy_json: p.policy == null ? null : canonicalJson(p.policy),
      };
      if (p.seHeader) {
        this.ctx
          .stmt('INSERT OR IGNORE INTO se_headers (sha256, bytes) VALUES (?, ?)')
          .run(row.se_header_sha256, Buffer.from(p.seHeader));
      }
      const contentHash = hashAttestationRow(row);
      this.insertStmt.run({ ...row, content_hash: contentHash });
      this.ctx.audit.append({
        action: 'attestation.started',
        subjectType: 'attestation',
        subjectId: id,
        data: { guestId, contentHash },
      });
      return id;
    });
  }

  /** Completes a pending attempt in one transaction; throws ERR_STORE_ATTESTATION_NOT_PENDING otherwise. */
  finish(id: number, p: FinishAttestationParams): AttestationRecord {
    return writeTransaction(this.ctx, () => {
      const cur = this.requireRow(id);
      if (cur.status !== 'pending') {
        throw new AttestError('ERR_STORE_ATTESTATION_NOT_PENDING', `attestation ${id} is ${cur.status}, not pending`, {
          id,
          status: cur.status,
        });
      }
      const at = this.ctx.now().toISOString();
      const add = p.additionalData
        ? Object.fromEntries(
            Object.entries(p.additionalData)
              .filter(([, v]) => v != null)
              .map(([k, v]) => [k, hexOrNull(v)]),
          )
        : undefined;
      const row: Omit<AttestationRow, 'content_hash'> = {
        ...cur,
        status: p.status,
        error_code: p.errorCode ?? null,
        error_message: p.errorMessage ?? null,
        finished_at: at,
        steps_json: JSON.stringify({
          ...(JSON.parse(cur.steps_json) as AttestationSteps),
          ...(p.steps ?? {}),
          finished: at,
        }),
        hkd_report_json: p.hkdReport === undefined ? cur.hkd_report_json : JSON.stringify(p.hkdReport),
        cuid: p.cuid ? Buffer.from(p.cuid) : null,
        measurement: p.measurement ? Buffer.from(p.measurement) : null,
        user_data: p.userData ? Buffer.from(p.userData) : null,
        additional_data_json: add ? JSON.stringify(add) : null,
        request: p.request ? Buffer.from(p.request) : cur.request,
        response: p.response ? Buffer.from(p.response) : null,
        arpk_sealed: p.arpk ? Buffer.from(this.ctx.sealer.seal(p.arpk, id)) : cur.arpk_sealed,
        arpk_key_id: p.arpk ? this.ctx.sealer.keyId() : cur.arpk_key_id,
        owner: null,
        host_key_fingerprint: p.hostKeyFingerprint ?? cur.host_key_fingerprint ?? null,
      };
      delete (row as Partial<AttestationRow>).content_hash;
      const verdict = judgeStoredRow(row);
      if (verdict?.outcome !== p.status) {
        throw new AttestError(
          'ERR_STORE_OUTCOME_MISMATCH',
          `attestation ${id}: outcome ${p.status} is not the verdict of its row (${verdict?.outcome ?? 'none'})`,
          { id, status: p.status, verdict: verdict?.outcome ?? null },
        );
      }
      const contentHash = hashAttestationRow(row);
      this.ctx
        .stmt(
          `UPDATE attestations SET status = @status, error_code = @error_code, error_message = @error_message, finished_at = @finished_at,
             steps_json = @steps_json, hkd_report_json = @hkd_report_json, cuid = @cuid, measurement = @measurement, user_data = @user_data,
             additional_data_json = @additional_data_json, request = @request, response = @response, arpk_sealed = @arpk_sealed,
             arpk_key_id = @arpk_key_id, owner = @owner, host_key_fingerprint = @host_key_fingerprint, content_hash = @content_hash
             WHERE id = @id`,
        )
        .run({ ...row, content_hash: contentHash });
      this.ctx.audit.append({
        action: 'attestation.finished',
        subjectType: 'attestation',
        subjectId: id,
        data: { guestId: cur.guest_id, status: p.status, errorCode: p.errorCode ?? null, contentHash },
      });
      const guestName = this.ctx.stmt('SELECT name FROM guests WHERE id = ?').pluck().get(cur.guest_id) as string;
      return this.toRecord({ ...row, content_hash: contentHash, guest_name: guestName }, verdict);
    });
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
        const row: Omit<AttestationRow, 'content_hash'> = {
          ...cur,
          status: 'interrupted',
          finished_at: at,
          error_message: 'the process recording this attestation ended before it finished',
          owner: null,
        };
        delete (row as Partial<AttestationRow>).content_hash;
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
    return readTransaction(this.ctx, () => this.toRecord(this.rowWithName(id)));
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
      ).map((r) => this.toRecord(r)),
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
    r: AttestationRow & { guest_name: string },
    verdict: Verdict | null = judgeStoredRow(r),
  ): AttestationRecord {
    return {
      id: r.id,
      guestId: r.guest_id,
      guestName: r.guest_name,
      status: r.status as AttestationStatus,
      policy: r.policy_json == null ? null : (JSON.parse(r.policy_json) as AttestationPolicy),
      verdict,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      steps: JSON.parse(r.steps_json) as AttestationSteps,
      hkdSha256: JSON.parse(r.hkd_sha256_json) as string[],
      hkdReport: r.hkd_report_json === null ? null : (JSON.parse(r.hkd_report_json) as unknown),
      addData: JSON.parse(r.add_data_json) as AddDataKind[],
      cuid: hexOrNull(r.cuid),
      measurement: hexOrNull(r.measurement),
      userData: hexOrNull(r.user_data),
      additionalData:
        r.additional_data_json === null ? null : (JSON.parse(r.additional_data_json) as AttestationAdditionalData),
      requestSha256: r.request ? sha256Hex(r.request) : null,
      requestSize: r.request ? r.request.length : null,
      responseSha256: r.response ? sha256Hex(r.response) : null,
      responseSize: r.response ? r.response.length : null,
      hasArpk: r.arpk_sealed !== null,
      seHeaderSha256: r.se_header_sha256 ?? null,
      hostKeyFingerprint: r.host_key_fingerprint ?? null,
      contentHash: r.content_hash,
    };
  }
}
