/**
 * Audit use cases: verify the hash chain (and every audited row against it), list entries, and record that
 * an evidence export was made (the evidence helper calls `recordExport`).
 */
import type { AuditEntry, AuditVerification } from '../../shared/types/store.js';
import type { Store } from '../store/index.js';

/** What an export recorded in the audit log says. */
export interface RecordExportParams {
  /** Where the bundle was written. */
  path: string;
  /** SHA-256 (hex) of the bundle. */
  sha256: string;
  attestationIds: readonly number[];
  guestId?: number | null;
}

/** Walks the chain and the audited rows; names the first broken entry. */
export function verifyAuditLog(store: Store): AuditVerification {
  return store.audit.verify();
}

/** Audit entries in order. */
export function listAuditEntries(store: Store, p: { afterSeq?: number; limit?: number } = {}): AuditEntry[] {
  return store.audit.list(p);
}

/** Appends an `export.made` entry and returns it (its hash anchors the chain head in the bundle). */
export function recordExport(store: Store, p: RecordExportParams): AuditEntry {
  return store.transaction(() =>
    store.audit.append({
      action: 'export.made',
      subjectType: 'export',
      subjectId: p.guestId ?? null,
      data: { path: p.path, sha256: p.sha256, attestationIds: [...p.attestationIds] },
    }),
  );
}
