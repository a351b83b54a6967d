/**
 * The Evidence screen's side of the port (issue 11): the screen's defaults (the organisation remembered per
 * workspace, the workstation public key and the exact verify command), and one attestation's report written
 * where the report screen asks.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../../shared/errors/index.js';
import type {
  AttestationReportExportRequest,
  AttestationReportExportResult,
  EvidenceDefaults,
  EvidenceDefaultsRequest,
} from '../../../shared/types/ui.js';
import { exportAttestationReport } from '../../services/evidence/attestation-report.js';
import { loadOrCreateWorkstationKey, PUBLIC_KEY_FILE } from '../../services/evidence/signing-key.js';
import { rememberedOrganisation } from '../../services/evidence/store-export.js';
import { evidenceVerifyCommand } from '../../services/evidence/verify-command.js';
import type { Store } from '../../store/index.js';
import { parseId } from './mappers.js';

/** The Evidence screen's defaults; creates the workstation key on first use (its fingerprint is shown). */
export function evidenceDefaults(store: Store, keyDir: string, request: EvidenceDefaultsRequest): EvidenceDefaults {
  const key = loadOrCreateWorkstationKey(keyDir);
  const publicKeyPath = join(keyDir, PUBLIC_KEY_FILE);
  return {
    organisation: rememberedOrganisation(store),
    publicKeyPath,
    publicKeyFingerprint: key.fingerprint,
    verifyCommand: evidenceVerifyCommand(publicKeyPath, request.bundlePath),
  };
}

/**
 * Where an exported file goes: a destination ending in `.<ext>` is that file; anything else is a folder (created,
 * mode 0700, when missing) that receives `name`. A destination that is an existing file of another kind is refused.
 */
export function destinationFile(destination: string, ext: string, name: string): string {
  if (new RegExp(`\\.${ext}$`, 'i').test(destination)) return destination;
  let isDir: boolean;
  try {
    isDir = statSync(destination).isDirectory();
  } catch {
    mkdirSync(destination, { recursive: true, mode: 0o700 });
    isDir = true;
  }
  if (!isDir)
    throw new AttestError(
      'ERR_APP_BAD_REQUEST',
      `destination ${destination} is a file: choose a folder or a .${ext} path`,
    );
  return join(destination, name);
}

/** Writes one attestation's report where asked (default `reportsDir`). */
export async function exportReportTo(
  store: Store,
  reportsDir: string,
  request: AttestationReportExportRequest,
): Promise<AttestationReportExportResult> {
  const id = parseId(request.id, 'attestation');
  store.attestations.get(id); // ERR_STORE_ATTESTATION_NOT_FOUND before anything is created
  const file = `attestation-${id}.${request.format}`;
  const path = destinationFile(request.destination ?? reportsDir, request.format, file);
  const r = await exportAttestationReport({ store, id, path, format: request.format });
  return { path: r.path, format: r.format, outcome: r.report.attestation.outcome };
}
