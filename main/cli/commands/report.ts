/**
 * `se-attest report ID --db PATH -o FILE [--format pdf|json]` (issue 11): one attestation's report — its outcome
 * (the one verdict model, recomputed from the stored files and the recorded policy), every policy check with
 * expected vs seen, the HKDs by host — written as a PDF or as JSON. Flags in main/cli/flags/report.ts.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { OUTCOME_LABELS } from '../../../shared/types/verdict.js';
import { exportAttestationReport, parseReportFormat } from '../../services/evidence/attestation-report.js';
import { resolveDbPath } from '../../services/db-path.js';
import { openWorkspace } from '../../services/workspace.js';
import { resolvePath } from '../../fs/index.js';
import { CliExit, EXIT_OK, type CliIo } from '../io.js';

/** Options of `report`. */
export interface ReportOptions {
  db?: string;
  output: string;
  format?: string;
}

/** Runs `report`. */
export async function runReport(io: CliIo, idText: string, o: ReportOptions): Promise<void> {
  if (!/^[1-9]\d{0,15}$/.test(idText))
    throw new AttestError('ERR_CLI_USAGE', `ID: expected an attestation id (a positive number), got ${idText}`);
  const format = parseReportFormat(o.format ?? (/\.json$/i.test(o.output) ? 'json' : 'pdf'));
  const store = openWorkspace(resolveDbPath(io, o.db), { readOnly: true });
  try {
    const r = await exportAttestationReport({
      store,
      id: Number(idText),
      path: resolvePath(io.cwd, o.output),
      format,
    });
    const a = r.report.attestation;
    io.out(`report of attestation ${a.id} (${a.guest}): ${OUTCOME_LABELS[a.outcome]}`);
    io.out(`${a.outcomeCode ? ` (${a.outcomeCode})` : ''}\nwritten to ${r.path} (${r.format})\n`);
  } finally {
    store.close();
  }
  throw new CliExit(EXIT_OK);
}
