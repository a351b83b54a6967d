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

/** Writes one attestation's report where asked (default `reportsDir`). */
export async function exportReportTo(
  store: Store,
  reportsDir: string,
  request: AttestationReportExportRequest,
): Promise<AttestationReportExportResult> {
  const id = parseId(request.id, 'attestation');
  store.attestations.get(id); // ERR_STORE_ATTESTATION_NOT_FOUND before anything is created
  const file = `attestation-${id}.${request.format}`;
  let path: string;
  const dest = request.destination;
  if (dest && new RegExp(`\\.${request.format}$`, 'i').test(dest)) path = dest;
  else {
    const dir = dest ?? reportsDir;
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      isDir = true;
    }
    if (!isDir)
      throw new AttestError(
        'ERR_APP_BAD_REQUEST',
        `destination ${dir} is a file: choose a folder or a .${request.format} path`,
      );
    path = join(dir, file);
  }
  const r = await exportAttestationReport({ store, id, path, format: request.format });
  return { path: r.path, format: r.format, outcome: r.report.attestation.outcome };
}
