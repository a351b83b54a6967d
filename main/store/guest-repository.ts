/**
 * Guests: where to reach a guest (SSH target, jump host, identity reference), what it runs (SE header or image
 * path) and what it must prove (policy). Removal is soft (`removed_at`) so that its history stays readable;
 * the name becomes free for a new guest. Every change appends an audit entry with the row's content hash.
 */
import { AttestError } from '../../shared/errors/index.js';
import type {
  Guest,
  GuestHealth,
  GuestInput,
  GuestPolicy,
  GuestStatus,
  AttestationStatus,
} from '../../shared/types/store.js';
import { isVerifiedOutcome, STATUS_OUTCOMES, type Outcome } from '../../shared/types/verdict.js';
import { hashGuestRow, sha256Hex, type GuestRow } from './content-hash.js';
import { readTransaction, writeTransaction, type StoreContext } from './store-context.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/;
/** The outcomes a derived status looks at, as an SQL list (constants, never input). */
const STATUS_OUTCOMES_SQL = STATUS_OUTCOMES.map((o) => `'${o}'`).join(', ');

interface LastAttempt {
  status: AttestationStatus;
  started_at: string;
  error_code: string | null;
}

/** Parameters of `statuses`. */
export interface GuestStatusParams {
  /** A verification older than this is `stale` (default 24 h). */
  staleAfterMs?: number;
  now?: Date;
}

function validateInput(input: Partial<GuestInput>): void {
  if (input.name !== undefined && !NAME_RE.test(input.name)) {
    throw new AttestError(
      'ERR_STORE_GUEST_INVALID',
      `invalid guest name "${input.name}" (letters, digits, . _ @ : + -; at most 128)`,
    );
  }
  if (input.identityRef != null && /-----BEGIN|PRIVATE KEY/.test(input.identityRef)) {
    throw new AttestError('ERR_STORE_GUEST_INVALID', 'identity must be a key file path or "agent", never key material');
  }
  if (input.seHeaderHex != null && !/^([0-9a-fA-F]{2})*$/.test(input.seHeaderHex)) {
    throw new AttestError('ERR_STORE_GUEST_INVALID', 'SE header must be hex');
  }
  for (const t of input.tags ?? []) {
    if (t.length === 0 || t.length > 64) throw new AttestError('ERR_STORE_GUEST_INVALID', `invalid tag "${t}"`);
  }
}

/** Guest rows of one store. */
export class GuestRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Adds a guest; throws ERR_STORE_GUEST_EXISTS when an active guest has that name. */
  add(input: GuestInput): Guest {
    validateInput(input);
    return writeTransaction(this.ctx, () => {
      if (this.findRow(input.name))
        throw new AttestError('ERR_STORE_GUEST_EXISTS', `guest "${input.name}" already exists`, { name: input.name });
      const at = this.ctx.now().toISOString();
      const header = input.seHeaderHex ? Buffer.from(input.seHeaderHex, 'hex') : null;
      const info = this.ctx
        .stmt(
          `INSERT INTO guests (name, ssh_target, jump_host, identity_ref, host_key_fingerprint, host_key_type, se_header, se_header_sha256,
             image_path, policy_json, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.name,
          input.sshTarget ?? null,
          input.jumpHost ?? null,
          input.identityRef ?? null,
          input.hostKeyFingerprint ?? null,
          input.hostKeyType ?? null,
          header,
          header ? sha256Hex(header) : null,
          input.imagePath ?? null,
          JSON.stringify(input.policy ?? {}),
          input.notes ?? null,
          at,
          at,
        );
      const id = Number(info.lastInsertRowid);
      this.setTags(id, input.tags ?? []);
      return this.audited(id, 'guest.added', { name: input.name });
    });
  }

  /** Changes the given fields of guest `nameOrId` (null clears a field); returns the updated guest. */
  edit(nameOrId: string | number, patch: Partial<GuestInput>): Guest {
    validateInput(patch);
    return writeTransaction(this.ctx, () => {
      const row = this.requireRow(nameOrId);
      if (patch.name !== undefined && patch.name !== row.name && this.findRow(patch.name)) {
        throw new AttestError('ERR_STORE_GUEST_EXISTS', `guest "${patch.name}" already exists`, { name: patch.name });
      }
      const header =
        patch.seHeaderHex === undefined
          ? row.se_header
          : patch.seHeaderHex === null
            ? null
            : Buffer.from(patch.seHeaderHex, 'hex');
      const pick = <K extends keyof GuestInput>(k: K, current: unknown) =>
        patch[k] === undefined ? current : patch[k];
      this.ctx
        .stmt(
          `UPDATE guests SET name = ?, ssh_target = ?, jump_host = ?, identity_ref = ?, host_key_fingerprint = ?, host_key_type = ?,
             se_header = ?, se_header_sha256 = ?, image_path = ?, policy_json = ?, notes = ?, updated_at = ? WHERE id = ?`,
        )
        .run(
          pick('name', row.name),
          pick('sshTarget', row.ssh_target),
          pick('jumpHost', row.jump_host),
          pick('identityRef', row.identity_ref),
          pick('hostKeyFingerprint', row.host_key_fingerprint),
          // a new pin without its algorithm clears the old algorithm
          patch.hostKeyType !== undefined
            ? patch.hostKeyType
            : patch.hostKeyFingerprint !== undefined
              ? null
              : (row.host_key_type ?? null),
          header,
          header ? sha256Hex(header) : null,
          pick('imagePath', row.image_path),
          patch.policy === undefined ? row.policy_json : JSON.stringify(patch.policy),
          pick('notes', row.notes),
          this.ctx.now().toISOString(),
          row.id,
        );
      if (patch.tags !== undefined) this.setTags(row.id, patch.tags);
      const changed = Object.keys(patch)
        .filter((k) => patch[k as keyof GuestInput] !== undefined)
        .sort();
      return this.audited(row.id, 'guest.edited', { name: pick('name', row.name), changed });
    });
  }

  /** Removes guest `nameOrId` (soft: its attestations stay); returns the removed guest. */
  remove(nameOrId: string | number): Guest {
    return writeTransaction(this.ctx, () => {
      const row = this.requireRow(nameOrId);
      const at = this.ctx.now().toISOString();
      this.ctx.stmt('UPDATE guests SET removed_at = ?, updated_at = ? WHERE id = ?').run(at, at, row.id);
      return this.audited(row.id, 'guest.removed', { name: row.name });
    });
  }

  /** The active guest with this name or id, or undefined. */
  find(nameOrId: string | number): Guest | undefined {
    return readTransaction(this.ctx, () => {
      const row = this.findRow(nameOrId);
      return row ? this.toGuest(row) : undefined;
    });
  }

  /** The active guest with this name or id; throws ERR_STORE_GUEST_NOT_FOUND. */
  get(nameOrId: string | number): Guest {
    return readTransaction(this.ctx, () => this.toGuest(this.requireRow(nameOrId)));
  }

  /** Any guest by id, removed ones included (for history of removed guests). */
  getById(id: number): Guest | undefined {
    return readTransaction(this.ctx, () => {
      const row = this.ctx.stmt('SELECT * FROM guests WHERE id = ?').get(id) as GuestRow | undefined;
      return row ? this.toGuest(row) : undefined;
    });
  }

  /** The stored SE header bytes of a guest, or null. */
  seHeader(id: number): Uint8Array | null {
    return readTransaction(this.ctx, () => {
      const b = this.ctx.stmt('SELECT se_header FROM guests WHERE id = ?').pluck().get(id) as
        Uint8Array | null | undefined;
      return b ? new Uint8Array(b) : null;
    });
  }

  /** Active guests by name, optionally only those with `tag`. */
  list(params: { tag?: string } = {}): Guest[] {
    return readTransaction(this.ctx, () => {
      const rows = (
        params.tag === undefined
          ? this.ctx.stmt('SELECT * FROM guests WHERE removed_at IS NULL ORDER BY name').all()
          : this.ctx
              .stmt(
                'SELECT g.* FROM guests g JOIN guest_tags t ON t.guest_id = g.id WHERE g.removed_at IS NULL AND t.tag = ? ORDER BY g.name',
              )
              .all(params.tag)
      ) as GuestRow[];
      return rows.map((r) => this.toGuest(r));
    });
  }

  /**
   * The derived status of every active guest (one query; index lookups per guest). Only outcomes in
   * STATUS_OUTCOMES count: a cancelled or interrupted run is in the history but never changes the status.
   */
  statuses(params: GuestStatusParams = {}): GuestStatus[] {
    const staleAfterMs = params.staleAfterMs ?? 24 * 3600 * 1000;
    const now = (params.now ?? this.ctx.now()).getTime();
    const rows = readTransaction(this.ctx, () => {
      const attempt = this.ctx.stmt('SELECT status, started_at, error_code FROM attestations WHERE id = ?');
      return this.ctx
        .stmt(
          `SELECT g.id, g.name,
             (SELECT a.id FROM attestations a WHERE a.guest_id = g.id ORDER BY a.id DESC LIMIT 1) AS last_id,
             (SELECT a.id FROM attestations a WHERE a.guest_id = g.id AND a.status IN (${STATUS_OUTCOMES_SQL})
                ORDER BY a.id DESC LIMIT 1) AS judged_id,
             (SELECT a.finished_at FROM attestations a INDEXED BY attestations_guest_verified
                WHERE a.guest_id = g.id AND a.status = 'verified' ORDER BY a.id DESC LIMIT 1) AS last_verified_at,
             (SELECT count(*) FROM attestations a WHERE a.guest_id = g.id) AS n
           FROM guests g WHERE g.removed_at IS NULL ORDER BY g.name`,
        )
        .all()
        .map((r) => {
          const row = r as {
            id: number;
            name: string;
            last_id: number | null;
            judged_id: number | null;
            last_verified_at: string | null;
            n: number;
          };
          const last = row.last_id === null ? undefined : (attempt.get(row.last_id) as LastAttempt);
          const judged =
            row.judged_id === null
              ? undefined
              : row.judged_id === row.last_id
                ? last
                : (attempt.get(row.judged_id) as LastAttempt);
          return { ...row, last, judged };
        });
    });
    return rows.map((r) => {
      let health: GuestHealth;
      if (r.last?.status === 'pending') health = 'pending';
      else if (!r.judged) health = 'never';
      else if (!isVerifiedOutcome(r.judged.status)) health = 'failing';
      else if (r.last_verified_at === null || now - Date.parse(r.last_verified_at) > staleAfterMs) health = 'stale';
      else health = 'ok';
      return {
        guestId: r.id,
        name: r.name,
        health,
        lastVerifiedAt: r.last_verified_at,
        lastAttemptAt: r.last?.started_at ?? null,
        lastStatus: r.last?.status ?? null,
        lastErrorCode: r.last?.error_code ?? null,
        lastOutcomeId: r.judged_id,
        lastOutcome: (r.judged?.status as Outcome | undefined) ?? null,
        lastOutcomeCode: r.judged?.error_code ?? null,
        lastOutcomeAt: r.judged?.started_at ?? null,
        attestationCount: r.n,
      };
    });
  }

  private findRow(nameOrId: string | number): GuestRow | undefined {
    return (
      typeof nameOrId === 'number'
        ? this.ctx.stmt('SELECT * FROM guests WHERE id = ? AND removed_at IS NULL').get(nameOrId)
        : this.ctx.stmt('SELECT * FROM guests WHERE name = ? AND removed_at IS NULL').get(nameOrId)
    ) as GuestRow | undefined;
  }

  private requireRow(nameOrId: string | number): GuestRow {
    const row = this.findRow(nameOrId);
    if (!row) throw new AttestError('ERR_STORE_GUEST_NOT_FOUND', `no guest "${nameOrId}"`, { guest: nameOrId });
    return row;
  }

  private setTags(id: number, tags: readonly string[]): void {
    this.ctx.stmt('DELETE FROM guest_tags WHERE guest_id = ?').run(id);
    const ins = this.ctx.stmt('INSERT OR IGNORE INTO guest_tags (guest_id, tag) VALUES (?, ?)');
    for (const t of tags) ins.run(id, t);
  }

  private tags(id: number): string[] {
    return this.ctx.stmt('SELECT tag FROM guest_tags WHERE guest_id = ? ORDER BY tag').pluck().all(id) as string[];
  }

  private audited(
    id: number,
    action: 'guest.added' | 'guest.edited' | 'guest.removed',
    data: Record<string, unknown>,
  ): Guest {
    const row = this.ctx.stmt('SELECT * FROM guests WHERE id = ?').get(id) as GuestRow;
    const tags = this.tags(id);
    this.ctx.audit.append({
      action,
      subjectType: 'guest',
      subjectId: id,
      data: { ...data, contentHash: hashGuestRow(row, tags) },
    });
    return this.toGuest(row, tags);
  }

  private toGuest(row: GuestRow, tags: string[] = this.tags(row.id)): Guest {
    return {
      id: row.id,
      name: row.name,
      sshTarget: row.ssh_target,
      jumpHost: row.jump_host,
      identityRef: row.identity_ref,
      hostKeyFingerprint: row.host_key_fingerprint,
      hostKeyType: row.host_key_type ?? null,
      seHeaderSha256: row.se_header_sha256,
      seHeaderSize: row.se_header ? row.se_header.length : null,
      imagePath: row.image_path,
      policy: JSON.parse(row.policy_json) as GuestPolicy,
      notes: row.notes,
      tags,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
