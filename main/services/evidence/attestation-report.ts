/**
 * Use case: one attestation's report (issue 11), as JSON or PDF, from the CLI (`se-attest report ID`) and the
 * report screen. The record is the one an evidence bundle carries for it: recomputed from the stored request,
 * response, ARPK and SE header, judged against the recorded policy by the one verdict model (outcome, every check
 * with expected vs seen), its HKD chain re-verified offline at the attestation's time, its HKDs named by host.
 * No secret is in either file (the ARPK stays in the store).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AttestError } from '../../../shared/errors/index.js';
import { EVIDENCE_SCHEMA_VERSION } from '../../../shared/types/evidence.js';
import { sha256Hex } from '../../engine/crypto/primitives.js';
import type { Store } from '../../store/index.js';
import { evidenceRecordOf } from './export.js';
import { certificateNames, createHkdChainChecker, type ChainHkd } from './hkd-chain.js';
import { writeAttestationReportPdf, type AttestationReportDocument } from './report-pdf.js';
import { createStoreEvidenceSource, storeEvidenceAttestation } from './store-source.js';

export type { AttestationReportDocument } from './report-pdf.js';

/** Formats of a single attestation's report. */
export const REPORT_FORMATS = ['pdf', 'json'] as const;
/** One report format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The report format of `value`; throws ERR_EVIDENCE_REPORT_FORMAT for anything else. */
export function parseReportFormat(value: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new AttestError('ERR_EVIDENCE_REPORT_FORMAT', `the report format must be pdf or json, not ${value}`, {
    format: value,
  });
}

/** Builds the report of stored attestation `id` (ERR_STORE_NOT_FOUND when there is none). */
export async function buildAttestationReport(store: Store, id: number, now: Date): Promise<AttestationReportDocument> {
  const a = storeEvidenceAttestation(store, id);
  const material = { certificates: [] as ChainHkd[], roots: [] as ChainHkd[], crls: [] as ChainHkd[] };
  for await (const t of createStoreEvidenceSource(store).listTrustMaterial()) {
    const item = { name: `trust/${t.role}/${t.sha256}`, bytes: t.bytes, sha256: t.sha256 };
    (t.role === 'certificate' ? material.certificates : t.role === 'root' ? material.roots : material.crls).push(item);
  }
  const hkds: ChainHkd[] = a.hkds.map((h) => {
    const sha256 = sha256Hex(h.bytes);
    return { name: `trust/hkds/${sha256}.crt`, bytes: h.bytes, sha256 };
  });
  const chain = await createHkdChainChecker(material)(hkds, new Date(a.startedAt));
  const { record } = evidenceRecordOf(String(a.id), a, hkds, chain, []);
  return {
    kind: 'se-attestation-report',
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    generatedAt: now.toISOString(),
    attestation: record,
    hkds: hkds.map((h) => {
      const n = certificateNames(h.bytes);
      return {
        sha256: h.sha256,
        subject: n?.subject ?? null,
        subjectCn: n?.subjectCn ?? null,
        subjectOu: n?.subjectOu ?? null,
        serial: n?.serial ?? null,
      };
    }),
  };
}

/** Inputs of `exportAttestationReport`. */
export interface ExportAttestationReportParams {
  readonly store: Store;
  readonly id: number;
  /** The file to write; an existing file is replaced (written beside it, then renamed: never through a symlink). */
  readonly path: string;
  readonly format: ReportFormat;
  readonly now?: () => Date;
}

/** What was written. */
export interface AttestationReportExport {
  readonly path: string;
  readonly format: ReportFormat;
  readonly report: AttestationReportDocument;
}

/** Builds and writes one attestation's report. */
export async function exportAttestationReport(p: ExportAttestationReportParams): Promise<AttestationReportExport> {
  const report = await buildAttestationReport(p.store, p.id, (p.now ?? (() => new Date()))());
  const temp = join(dirname(p.path), `.${basename(p.path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    if (p.format === 'json') await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
    else await writeAttestationReportPdf({ path: temp, report });
    await rename(temp, p.path);
  } catch (e) {
    await rm(temp, { force: true });
    if (e instanceof AttestError) throw e;
    throw new AttestError(
      'ERR_EVIDENCE_REPORT_WRITE',
      `cannot write ${p.path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        path: p.path,
      },
    );
  }
  return { path: p.path, format: p.format, report };
}
