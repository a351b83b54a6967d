/**
 * Trust material: HKDs, signing-key and CA certificates and CRLs, stored as DER and deduplicated by SHA-256.
 * Parsing and classification happen in the trust service; this repository only stores what it is given.
 */
import { AttestError } from '../../shared/errors/index.js';
import type { TrustItem, TrustKind } from '../../shared/types/store.js';
import { hashTrustRow, sha256Hex, type TrustRow } from './content-hash.js';
import { readTransaction, writeTransaction, type StoreContext } from './store-context.js';

/** A parsed trust item to store. */
export interface TrustItemInput {
  kind: TrustKind;
  der: Uint8Array;
  subject: string | null;
  issuer: string;
  serialNumber?: string | null;
  thisUpdate?: string | null;
  nextUpdate?: string | null;
  phkh?: string | null;
  source?: string | null;
}

/** Trust rows of one store. */
export class TrustRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Stores an item unless one with the same SHA-256 exists; `created` tells which happened. */
  import(input: TrustItemInput): { item: TrustItem; created: boolean } {
    const sha256 = sha256Hex(input.der);
    return writeTransaction(this.ctx, () => {
      const existing = this.ctx.stmt('SELECT * FROM trust_items WHERE sha256 = ?').get(sha256) as TrustRow | undefined;
      if (existing && existing.removed_at) {
        // imported again after a removal: back in use
        this.ctx.stmt('UPDATE trust_items SET removed_at = NULL WHERE id = ?').run(existing.id);
        const row = { ...existing, removed_at: null };
        this.ctx.audit.append({
          action: 'trust.imported',
          subjectType: 'trust',
          subjectId: row.id,
          data: { kind: row.kind, sha256, source: row.source, restored: true, contentHash: hashTrustRow(row) },
        });
        return { item: toItem(row), created: true };
      }
      if (existing) return { item: toItem(existing), created: false };
      const info = this.ctx
        .stmt(
          `INSERT INTO trust_items (kind, sha256, der, subject, issuer, serial, this_update, next_update, phkh, source, imported_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.kind,
          sha256,
          Buffer.from(input.der),
          input.subject,
          input.issuer,
          input.serialNumber ?? null,
          input.thisUpdate ?? null,
          input.nextUpdate ?? null,
          input.phkh ?? null,
          input.source ?? null,
          this.ctx.now().toISOString(),
        );
      const row = this.ctx.stmt('SELECT * FROM trust_items WHERE id = ?').get(Number(info.lastInsertRowid)) as TrustRow;
      this.ctx.audit.append({
        action: 'trust.imported',
        subjectType: 'trust',
        subjectId: row.id,
        data: { kind: row.kind, sha256, source: row.source, contentHash: hashTrustRow(row) },
      });
      return { item: toItem(row), created: true };
    });
  }

  /** Items in use (not removed), optionally of one kind, in import order. */
  list(params: { kind?: TrustKind } = {}): TrustItem[] {
    return readTransaction(this.ctx, () =>
      (params.kind === undefined
        ? this.ctx.stmt('SELECT * FROM trust_items WHERE removed_at IS NULL ORDER BY id').all()
        : this.ctx.stmt('SELECT * FROM trust_items WHERE kind = ? AND removed_at IS NULL ORDER BY id').all(params.kind)
      ).map((r) => toItem(r as TrustRow)),
    );
  }

  /**
   * Takes an item out of use: it no longer verifies anything, but its bytes stay for the attestations that
   * used it (their evidence needs them). Throws ERR_STORE_TRUST_NOT_FOUND.
   */
  remove(id: number): TrustItem {
    return writeTransaction(this.ctx, () => {
      const cur = this.ctx.stmt('SELECT * FROM trust_items WHERE id = ? AND removed_at IS NULL').get(id) as
        TrustRow | undefined;
      if (!cur) throw new AttestError('ERR_STORE_TRUST_NOT_FOUND', `no trust item with id ${id}`, { id });
      const row = { ...cur, removed_at: this.ctx.now().toISOString() };
      this.ctx.stmt('UPDATE trust_items SET removed_at = ? WHERE id = ?').run(row.removed_at, id);
      this.ctx.audit.append({
        action: 'trust.removed',
        subjectType: 'trust',
        subjectId: id,
        data: { kind: row.kind, sha256: row.sha256, contentHash: hashTrustRow(row) },
      });
      return toItem(row);
    });
  }

  /** The DER bytes of the item with this SHA-256 (hex); throws ERR_STORE_TRUST_NOT_FOUND. */
  bytes(sha256: string): Uint8Array {
    const der = readTransaction(this.ctx, () =>
      this.ctx.stmt('SELECT der FROM trust_items WHERE sha256 = ?').pluck().get(sha256.toLowerCase()),
    ) as Uint8Array | undefined;
    if (!der) throw new AttestError('ERR_STORE_TRUST_NOT_FOUND', `no trust item with SHA-256 ${sha256}`, { sha256 });
    return new Uint8Array(der);
  }

  /** Every item of `kind` with its DER bytes. */
  withBytes(kind: TrustKind): { item: TrustItem; der: Uint8Array }[] {
    return readTransaction(this.ctx, () =>
      (
        this.ctx
          .stmt('SELECT * FROM trust_items WHERE kind = ? AND removed_at IS NULL ORDER BY id')
          .all(kind) as TrustRow[]
      ).map((r) => ({
        item: toItem(r),
        der: new Uint8Array(r.der),
      })),
    );
  }
}

function toItem(r: TrustRow): TrustItem {
  return {
    id: r.id,
    kind: r.kind as TrustKind,
    sha256: r.sha256,
    subject: r.subject,
    issuer: r.issuer,
    serialNumber: r.serial,
    thisUpdate: r.this_update,
    nextUpdate: r.next_update,
    phkh: r.phkh,
    source: r.source,
    importedAt: r.imported_at,
    size: r.der.length,
  };
}
