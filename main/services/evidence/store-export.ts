/**
 * Use case: export the evidence bundle of a period from the workstation's store, and record the export in the
 * audit log (`export.made`, with the SHA-256 of the bundle's signed manifest, or of the zip). The organisation
 * named on the report is remembered per workspace (store settings): an export without one uses the last one.
 */
import { dirname, join } from 'node:path';
import type { Store } from '../../store/index.js';
import { recordExport } from '../audit.js';
import { exportEvidenceBundle, hashFile, type EvidenceExportResult } from './export.js';
import { createStoreEvidenceSource } from './store-source.js';

/** Inputs of `exportStoreEvidence`. */
export interface ExportStoreEvidenceParams {
  readonly store: Store;
  readonly from: Date;
  readonly to: Date;
  /** Only these guests (by name); all when absent or empty. */
  readonly guestNames?: readonly string[];
  /** Bundle directory (new or empty), or the zip file with `zip`. */
  readonly destination: string;
  readonly zip?: boolean;
  /** Where the workstation's Ed25519 signing key lives (created on first use). */
  readonly keyDir: string;
  /** Named on the report's cover and remembered for the workspace; absent or blank: the remembered one. */
  readonly organisation?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** What was exported. */
export interface StoreEvidenceExport extends EvidenceExportResult {
  readonly attestationCount: number;
  /** SHA-256 of the zip, or of the directory bundle's signed manifest (recorded in the audit log). */
  readonly sha256Hex: string;
}

/** The settings key of the organisation remembered for the workspace. */
export const ORGANISATION_SETTING = 'evidence.organisation';
/** The organisation named when none was ever given. */
export const DEFAULT_ORGANISATION = 'unspecified organisation';

/** The organisation remembered for the workspace (the last one exported with), or null. */
export function rememberedOrganisation(store: Store): string | null {
  const v = store.settings.get(ORGANISATION_SETTING);
  return v !== null && v.trim().length > 0 ? v : null;
}

/** The default key folder of a database: `keys/` beside it. */
export function workstationKeyDir(dbPath: string): string {
  return join(dirname(dbPath), 'keys');
}

/** Exports and records; see the module summary. */
export async function exportStoreEvidence(p: ExportStoreEvidenceParams): Promise<StoreEvidenceExport> {
  const guestNames = p.guestNames && p.guestNames.length > 0 ? p.guestNames : undefined;
  const guestIds = guestNames?.map((n) => p.store.guests.get(n).id);
  const ids = p.store.attestations.idsInPeriod({ from: p.from, to: p.to, ...(guestIds ? { guestIds } : {}) });
  p.signal?.throwIfAborted();
  p.onProgress?.(0, ids.length);
  const given = p.organisation?.trim();
  const organisation = given || rememberedOrganisation(p.store) || DEFAULT_ORGANISATION;
  const result = await exportEvidenceBundle({
    source: createStoreEvidenceSource(p.store),
    from: p.from,
    to: p.to,
    ...(guestNames ? { guestNames } : {}),
    out: p.destination,
    ...(p.zip ? { zip: true } : {}),
    keyDir: p.keyDir,
    organisation,
    ...(p.now ? { now: p.now } : {}),
  });
  const sha256Hex = await hashFile(p.zip ? result.path : join(result.path, 'manifest.intoto.json'));
  if (given && given !== rememberedOrganisation(p.store)) p.store.settings.set(ORGANISATION_SETTING, given);
  recordExport(p.store, {
    path: result.path,
    sha256: sha256Hex,
    attestationIds: ids,
    guestId: guestIds?.length === 1 ? guestIds[0]! : null,
  });
  p.onProgress?.(ids.length, ids.length);
  return { ...result, attestationCount: result.attestations, sha256Hex };
}
