/**
 * Secret releases (schema 6): per guest, what may be released once it verified (`secret_releases`: kind, value
 * source, options; never the value), and one row per release run (`release_runs`: the add-secret request, the
 * CUID it was bound to, whether it went into the store, the gating attestations). A run is written `pending`
 * before the guest is contacted, marked `added` the moment the guest's Ultravisor accepted the request (so a
 * crash afterwards still knows what the store holds), and finished in one transaction. Every write records the
 * row's content hash in the audit chain.
 */
import { hostname } from 'node:os';
import { AttestError } from '../../shared/errors/index.js';
import {
  RELEASE_KINDS,
  type PriorRequest,
  UV_SECRET_KINDS,
  type ReleaseRunRecord,
  type ReleaseRunStatus,
  type ReleaseStep,
  type SecretRelease,
  type SecretReleaseInput,
} from '../../shared/types/release.js';
import { processAlive } from './attestation-repository.js';
import { sha256Hex } from './content-hash.js';
import { readTransaction, writeTransaction, type StoreContext } from './store-context.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._@:+-]{0,127}$/;
const MAX_TEXT = 4096;

/** A row of `secret_releases`. */
export interface ReleaseRow {
  id: number;
  guest_id: number;
  name: string;
  kind: string;
  config_json: string;
  created_at: string;
  updated_at: string;
  removed_at: string | null;
  content_hash: string;
}

/** A row of `release_runs`. */
export interface ReleaseRunRow {
  id: number;
  guest_id: number;
  release_id: number | null;
  release_name: string;
  kind: string;
  status: string;
  failed_step: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string | null;
  cuid: Uint8Array | null;
  secret_type: number | null;
  secret_name: string | null;
  secret_id: Uint8Array | null;
  request: Uint8Array | null;
  added: number;
  locked: number;
  prior_requests_json: string;
  binding_sha256: string | null;
  gate_attestation_id: number | null;
  check_attestation_id: number | null;
  owner: string | null;
  content_hash: string;
}

const blob = (b: Uint8Array | null) => (b === null ? null : sha256Hex(b));
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));

/** Content hash of a release row. */
export function hashReleaseRow(r: Omit<ReleaseRow, 'content_hash'>): string {
  return sha256Hex(
    JSON.stringify([
      'release',
      r.id,
      r.guest_id,
      r.name,
      r.kind,
      r.config_json,
      r.created_at,
      r.updated_at,
      r.removed_at,
    ]),
  );
}

/** Content hash of a release-run row (every column but `content_hash`; the request by its SHA-256). */
export function hashReleaseRunRow(r: Omit<ReleaseRunRow, 'content_hash'>): string {
  return sha256Hex(
    JSON.stringify([
      'release-run',
      r.id,
      r.guest_id,
      r.release_id,
      r.release_name,
      r.kind,
      r.status,
      r.failed_step,
      r.error_code,
      r.error_message,
      r.started_at,
      r.finished_at,
      blob(r.cuid),
      r.secret_type,
      r.secret_name,
      blob(r.secret_id),
      blob(r.request),
      r.added,
      r.locked,
      r.prior_requests_json,
      r.binding_sha256,
      r.gate_attestation_id,
      r.check_attestation_id,
      r.owner,
    ]),
  );
}

function invalid(message: string): never {
  throw new AttestError('ERR_RELEASE_INVALID', message);
}

/** Checks a release configuration; throws ERR_RELEASE_INVALID naming the problem. */
export function validateReleaseInput(input: SecretReleaseInput): SecretReleaseInput {
  if (typeof input.name !== 'string' || !NAME_RE.test(input.name))
    invalid(`invalid release name "${String(input.name)}" (letters, digits, space . _ @ : + -; at most 128)`);
  if (!(RELEASE_KINDS as readonly string[]).includes(input.kind))
    invalid(`unknown release kind "${String(input.kind)}"`);
  const checkSource = (src: SecretReleaseInput['source'] | undefined, what: string) => {
    if (src?.kind === 'file') {
      if (typeof src.path !== 'string' || src.path === '' || src.path.length > MAX_TEXT)
        invalid(`the ${what} file path is empty`);
    } else if (src?.kind === 'keychain') {
      if (!src.service || !src.account || src.service.length > 256 || src.account.length > 256)
        invalid(`a keychain source (${what}) needs a service and an account`);
    } else if (src?.kind !== 'stdin') invalid(`the ${what} source must be a file, stdin or the keychain`);
  };
  checkSource(input.source, 'value');
  if (input.cckSource !== undefined) {
    checkSource(input.cckSource, 'CCK');
    if (input.cckSource.kind === 'stdin' && input.source.kind === 'stdin')
      invalid('the value and the CCK cannot both come from standard input');
  }
  if (input.kind === 'uv') {
    if (!(UV_SECRET_KINDS as readonly string[]).includes(input.uvKind ?? ''))
      invalid(`a uv release needs a secret kind: ${UV_SECRET_KINDS.join(', ')}`);
    if (input.command !== undefined || input.hostKeyFile !== undefined) invalid('a uv release runs no guest command');
  } else {
    if (typeof input.command !== 'string' || input.command.trim() === '' || /[\n\r\0]/.test(input.command))
      invalid('a channel release needs the guest command (one line) that reads the value on standard input');
    if (input.uvKind !== undefined || input.lock || input.disableDump || input.useName || input.cckSource)
      invalid('uv options do not apply to a channel release');
  }
  for (const text of [input.secretName, input.pvsecretCommand, input.command, input.hostKeyFile])
    if (text !== undefined && (text.length > MAX_TEXT || /[\n\r\0]/.test(text)))
      invalid('a release field is too long or spans lines');
  return input;
}

/** What a run learned before it finished (set once each). */
export interface ReleaseRunFacts {
  cuid?: Uint8Array;
  secretType?: number;
  secretName?: string;
  secretId?: Uint8Array;
  request?: Uint8Array;
  priorRequests?: readonly PriorRequest[];
  bindingSha256?: string;
  gateAttestationId?: number;
}

/** How a run ended. */
export interface FinishReleaseRunParams {
  status: Exclude<ReleaseRunStatus, 'pending' | 'interrupted'>;
  failedStep?: ReleaseStep | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  locked?: boolean;
  checkAttestationId?: number | null;
}

/** Releases and release runs of one store. */
export class ReleaseRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Adds or replaces release `input.name` of guest `guestId`. */
  configure(guestId: number, input: SecretReleaseInput): SecretRelease {
    validateReleaseInput(input);
    return writeTransaction(this.ctx, () => {
      if (!this.ctx.stmt('SELECT id FROM guests WHERE id = ? AND removed_at IS NULL').get(guestId))
        throw new AttestError('ERR_STORE_GUEST_NOT_FOUND', `no guest with id ${guestId}`, { guestId });
      const at = this.ctx.now().toISOString();
      const cur = this.findRow(guestId, input.name);
      const config = JSON.stringify(input);
      let id: number;
      if (cur) {
        this.ctx
          .stmt('UPDATE secret_releases SET kind = ?, config_json = ?, updated_at = ? WHERE id = ?')
          .run(input.kind, config, at, cur.id);
        id = cur.id;
      } else {
        id = Number(
          this.ctx
            .stmt(
              'INSERT INTO secret_releases (guest_id, name, kind, config_json, created_at, updated_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
            )
            .run(guestId, input.name, input.kind, config, at, at, '').lastInsertRowid,
        );
      }
      return this.toRelease(this.auditedRelease(id, 'release.configured'));
    });
  }

  /** Active releases of a guest, by name. */
  list(guestId: number): SecretRelease[] {
    return readTransaction(this.ctx, () =>
      (
        this.ctx
          .stmt('SELECT * FROM secret_releases WHERE guest_id = ? AND removed_at IS NULL ORDER BY name')
          .all(guestId) as ReleaseRow[]
      ).map((r) => this.toRelease(r)),
    );
  }

  /** Release `name` of guest `guestId`; throws ERR_RELEASE_NOT_FOUND. */
  get(guestId: number, name: string): SecretRelease {
    const row = readTransaction(this.ctx, () => this.findRow(guestId, name));
    if (!row) throw new AttestError('ERR_RELEASE_NOT_FOUND', `the guest has no secret release "${name}"`, { name });
    return this.toRelease(row);
  }

  /** Removes a release softly (its runs stay). */
  remove(guestId: number, name: string): SecretRelease {
    return writeTransaction(this.ctx, () => {
      const row = this.findRow(guestId, name);
      if (!row) throw new AttestError('ERR_RELEASE_NOT_FOUND', `the guest has no secret release "${name}"`, { name });
      this.ctx.stmt('UPDATE secret_releases SET removed_at = ? WHERE id = ?').run(this.ctx.now().toISOString(), row.id);
      return this.toRelease(this.auditedRelease(row.id, 'release.removed'));
    });
  }

  /** Writes a `pending` run of `release` for guest `guestId` (before the guest is contacted); returns its id. */
  beginRun(guestId: number, release: SecretRelease): number {
    return writeTransaction(this.ctx, () => {
      const info = this.ctx
        .stmt(
          `INSERT INTO release_runs (guest_id, release_id, release_name, kind, status, started_at, owner, content_hash)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, '')`,
        )
        .run(guestId, release.id, release.name, release.kind, this.ctx.now().toISOString(), this.ctx.owner);
      const id = Number(info.lastInsertRowid);
      this.auditedRun(id, 'release.started');
      return id;
    });
  }

  /** Records what a pending run learned (binding, request) without changing its status. */
  noteRun(id: number, facts: ReleaseRunFacts): ReleaseRunRecord {
    return writeTransaction(this.ctx, () => {
      const cur = this.requirePending(id);
      this.ctx
        .stmt(
          `UPDATE release_runs SET cuid = ?, secret_type = ?, secret_name = ?, secret_id = ?, request = ?, prior_requests_json = ?,
             binding_sha256 = ?, gate_attestation_id = ? WHERE id = ?`,
        )
        .run(
          facts.cuid ? Buffer.from(facts.cuid) : cur.cuid,
          facts.secretType ?? cur.secret_type,
          facts.secretName ?? cur.secret_name,
          facts.secretId ? Buffer.from(facts.secretId) : cur.secret_id,
          facts.request ? Buffer.from(facts.request) : cur.request,
          facts.priorRequests ? JSON.stringify(facts.priorRequests) : cur.prior_requests_json,
          facts.bindingSha256 ?? cur.binding_sha256,
          facts.gateAttestationId ?? cur.gate_attestation_id,
          id,
        );
      return this.toRun(this.auditedRun(id, 'release.progress'));
    });
  }

  /** Marks that the guest's Ultravisor accepted the run's request (it is now in the store). */
  markAdded(id: number): ReleaseRunRecord {
    return writeTransaction(this.ctx, () => {
      this.requirePending(id);
      this.ctx.stmt('UPDATE release_runs SET added = 1 WHERE id = ?').run(id);
      return this.toRun(this.auditedRun(id, 'release.progress'));
    });
  }

  /** Completes a pending run in one transaction. */
  finishRun(id: number, p: FinishReleaseRunParams): ReleaseRunRecord {
    return writeTransaction(this.ctx, () => {
      const cur = this.requirePending(id);
      this.ctx
        .stmt(
          `UPDATE release_runs SET status = ?, failed_step = ?, error_code = ?, error_message = ?, finished_at = ?, locked = ?,
             check_attestation_id = ?, owner = NULL WHERE id = ?`,
        )
        .run(
          p.status,
          p.failedStep ?? null,
          p.errorCode ?? null,
          p.errorMessage ?? null,
          this.ctx.now().toISOString(),
          p.locked ? 1 : cur.locked,
          p.checkAttestationId ?? cur.check_attestation_id,
          id,
        );
      return this.toRun(this.auditedRun(id, 'release.finished'));
    });
  }

  /** Marks `interrupted` the pending runs of processes that are gone (by owner), started before `before`. */
  recoverInterrupted(before: Date): number[] {
    const isGone = (owner: string | null) => {
      const m = /^(\d+)@(.*)$/.exec(owner ?? '');
      return !(m && m[2] === hostname() && processAlive(Number(m[1])));
    };
    const stale = () =>
      (
        this.ctx.stmt("SELECT id, owner, started_at FROM release_runs WHERE status = 'pending'").all() as {
          id: number;
          owner: string | null;
          started_at: string;
        }[]
      ).filter((r) => r.started_at <= before.toISOString() && r.owner !== this.ctx.owner && isGone(r.owner));
    if (readTransaction(this.ctx, stale).length === 0) return [];
    return writeTransaction(this.ctx, () =>
      stale().map((r) => {
        this.ctx
          .stmt(
            "UPDATE release_runs SET status = 'interrupted', finished_at = ?, error_message = ?, owner = NULL WHERE id = ?",
          )
          .run(this.ctx.now().toISOString(), 'the process running this release ended before it finished', r.id);
        this.auditedRun(r.id, 'release.interrupted');
        return r.id;
      }),
    );
  }

  /**
   * The add-secret requests this workstation put into the store of instance `cuid` of guest `guestId`, in the
   * order they were added (runs marked added, whatever their outcome).
   */
  addedRequests(guestId: number, cuid: Uint8Array): Uint8Array[] {
    return readTransaction(this.ctx, () =>
      (
        this.ctx
          .stmt('SELECT request FROM release_runs WHERE guest_id = ? AND added = 1 AND cuid = ? ORDER BY id')
          .pluck()
          .all(guestId, Buffer.from(cuid)) as Buffer[]
      ).map((b) => new Uint8Array(b)),
    );
  }

  /** One run; throws ERR_RELEASE_NOT_FOUND. */
  getRun(id: number): ReleaseRunRecord {
    return this.toRun(readTransaction(this.ctx, () => this.requireRun(id)));
  }

  /** The add-secret request of run `id` (encrypted for the host; holds no clear value), or null. */
  runRequest(id: number): Uint8Array | null {
    const r = readTransaction(this.ctx, () => this.requireRun(id));
    return r.request ? new Uint8Array(r.request) : null;
  }

  /** Runs of a guest (or all guests), newest first. */
  listRuns(p: { guestId?: number; limit?: number; from?: Date; to?: Date } = {}): ReleaseRunRecord[] {
    return readTransaction(this.ctx, () =>
      (
        this.ctx
          .stmt(
            `SELECT * FROM release_runs WHERE (? IS NULL OR guest_id = ?) AND started_at >= ? AND started_at < ? ORDER BY id DESC LIMIT ?`,
          )
          .all(
            p.guestId ?? null,
            p.guestId ?? null,
            p.from?.toISOString() ?? '',
            p.to?.toISOString() ?? '~',
            p.limit ?? -1,
          ) as ReleaseRunRow[]
      ).map((r) => this.toRun(r)),
    );
  }

  private findRow(guestId: number, name: string): ReleaseRow | undefined {
    return this.ctx
      .stmt('SELECT * FROM secret_releases WHERE guest_id = ? AND name = ? AND removed_at IS NULL')
      .get(guestId, name) as ReleaseRow | undefined;
  }

  private requireRun(id: number): ReleaseRunRow {
    const r = this.ctx.stmt('SELECT * FROM release_runs WHERE id = ?').get(id) as ReleaseRunRow | undefined;
    if (!r) throw new AttestError('ERR_RELEASE_NOT_FOUND', `no release run ${id}`, { id });
    return r;
  }

  private requirePending(id: number): ReleaseRunRow {
    const r = this.requireRun(id);
    if (r.status !== 'pending')
      throw new AttestError('ERR_STORE_ATTESTATION_NOT_PENDING', `release run ${id} is ${r.status}, not pending`, {
        id,
      });
    return r;
  }

  private auditedRelease(id: number, action: 'release.configured' | 'release.removed'): ReleaseRow {
    const row = this.ctx.stmt('SELECT * FROM secret_releases WHERE id = ?').get(id) as ReleaseRow;
    const contentHash = hashReleaseRow(row);
    this.ctx.stmt('UPDATE secret_releases SET content_hash = ? WHERE id = ?').run(contentHash, id);
    this.ctx.audit.append({
      action,
      subjectType: 'release',
      subjectId: id,
      data: { guestId: row.guest_id, name: row.name, kind: row.kind, contentHash },
    });
    return { ...row, content_hash: contentHash };
  }

  private auditedRun(
    id: number,
    action: 'release.started' | 'release.progress' | 'release.finished' | 'release.interrupted',
  ): ReleaseRunRow & { guest_name?: string } {
    const row = this.requireRun(id);
    const contentHash = hashReleaseRunRow(row);
    this.ctx.stmt('UPDATE release_runs SET content_hash = ? WHERE id = ?').run(contentHash, id);
    this.ctx.audit.append({
      action,
      subjectType: 'release-run',
      subjectId: id,
      data: {
        guestId: row.guest_id,
        release: row.release_name,
        kind: row.kind,
        status: row.status,
        secretName: row.secret_name,
        requestSha256: blob(row.request),
        added: row.added === 1,
        gatingAttestations: [row.gate_attestation_id, row.check_attestation_id].filter((x) => x !== null),
        errorCode: row.error_code,
        contentHash,
      },
    });
    return { ...row, content_hash: contentHash };
  }

  private toRelease(r: ReleaseRow): SecretRelease {
    const input = JSON.parse(r.config_json) as SecretReleaseInput;
    return { ...input, id: r.id, guestId: r.guest_id, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  private toRun(r: ReleaseRunRow): ReleaseRunRecord {
    const name = this.ctx.stmt('SELECT name FROM guests WHERE id = ?').pluck().get(r.guest_id) as string;
    return {
      id: r.id,
      guestId: r.guest_id,
      guestName: name,
      releaseId: r.release_id,
      releaseName: r.release_name,
      kind: r.kind as ReleaseRunRecord['kind'],
      status: r.status as ReleaseRunStatus,
      failedStep: r.failed_step as ReleaseStep | null,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      cuid: hex(r.cuid),
      secretType: r.secret_type,
      secretName: r.secret_name,
      secretId: hex(r.secret_id),
      requestSha256: blob(r.request),
      requestSize: r.request ? r.request.length : null,
      added: r.added === 1,
      locked: r.locked === 1,
      priorRequests: JSON.parse(r.prior_requests_json) as PriorRequest[],
      bindingSha256: r.binding_sha256,
      gateAttestationId: r.gate_attestation_id,
      checkAttestationId: r.check_attestation_id,
      contentHash: r.content_hash,
    };
  }
}
