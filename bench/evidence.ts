/**
 * Evidence benchmarks (issue 7): `evidence-export` and `evidence-verify` of a year of 10,000 attestations over
 * 200 guests (real software-UV responses, reused, with recorded policies and policy violations), each with wall
 * time and peak RSS sampled during the step. `evidence-export`/`evidence-verify` use the zip container
 * (`--zip`); the `-dir` variants write and read a directory of ~50,000 files, whose time is dominated by the
 * file system's file-creation cost. Issue 11: `evidence-report-pdf` times the auditor PDF of that year alone
 * (goal < 10 s). Issue 12: `evidence-verify-rss` verifies bundles in a fresh child process and reports its
 * peak RSS (`process.resourceUsage().maxRSS`) against the 512 MiB bound: the year, a 600 MiB report.pdf bomb
 * with a 600 MiB request.bin, and 600 MiB evidence.json and manifest bombs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceAttestationRecord, EvidenceDocument } from '../shared/types/evidence.js';
import { exportEvidenceBundle } from '../main/services/evidence/export.js';
import { writeReportPdf } from '../main/services/evidence/report-pdf.js';
import { verifyEvidenceBundle } from '../main/services/evidence/verify.js';
import { zipBundle } from '../test/support/evidence-craft.js';
import { verifyInChild, VERIFY_RSS_BOUND_MIB } from '../test/support/evidence-rss.js';
import { buildEvidenceFixture, PERIOD_FROM, PERIOD_TO } from '../test/support/evidence-source.js';

const ATTESTATIONS = 10_000;
const GUESTS = 200;

/** Runs `fn` while sampling RSS every 20 ms; returns its result, the seconds taken and the peak RSS in MiB. */
async function measured<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; cpuSeconds: number; peakRssMiB: number; startRssMiB: number }> {
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return {
      value,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      // CPU time of this process (the machine is shared: wall time alone includes other work)
      cpuSeconds: (() => {
        const c = process.cpuUsage(cpu0);
        return (c.user + c.system) / 1e6;
      })(),
      peakRssMiB: Math.round(peak / 2 ** 20),
      startRssMiB: Math.round(startRss / 2 ** 20),
    };
  } finally {
    clearInterval(timer);
  }
}

/** Returns one record per measured operation. */
export async function runEvidenceBench(): Promise<object[]> {
  const root = mkdtempSync(join(tmpdir(), 'evidence-bench-'));
  try {
    const fx = await buildEvidenceFixture({
      guests: GUESTS,
      attestations: ATTESTATIONS,
      distinct: 4,
      mismatchEvery: 997,
      errorEvery: 1999,
      policyViolationEvery: 101,
      recordPolicies: true,
    });
    const common = {
      source: fx.source,
      from: PERIOD_FROM,
      to: PERIOD_TO,
      keyDir: join(root, 'keys'),
      organisation: 'Bench AG',
      now: () => new Date('2028-01-02T00:00:00Z'),
    };
    const exZip = await measured(() => exportEvidenceBundle({ ...common, out: join(root, 'bundle.zip'), zip: true }));
    const veZip = await measured(() => verifyEvidenceBundle(exZip.value.path));
    const ex = await measured(() => exportEvidenceBundle({ ...common, out: join(root, 'bundle') }));
    const ve = await measured(() => verifyEvidenceBundle(ex.value.path));
    if (!ve.value.ok || !veZip.value.ok) throw new Error('evidence bench: the exported bundle did not verify');
    const record = (
      op: string,
      m: { seconds: number; cpuSeconds: number; peakRssMiB: number; startRssMiB: number },
      files: number,
      container: string,
    ) => ({
      op,
      container,
      attestations: ATTESTATIONS,
      guests: GUESTS,
      files,
      seconds: Math.round(m.seconds * 100) / 100,
      cpu_s: Math.round(m.cpuSeconds * 100) / 100,
      attestations_per_s: Math.round(ATTESTATIONS / m.seconds),
      goal_s: 10,
      within_goal: m.seconds < 10,
      start_rss_mib: m.startRssMiB,
      peak_rss_mib: m.peakRssMiB,
    });
    // the PDF alone, from the exported evidence.json
    const doc = JSON.parse(readFileSync(join(ex.value.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
    const { attestations, ...head } = doc;
    async function* records(): AsyncIterable<EvidenceAttestationRecord> {
      yield* attestations;
    }
    const pdf = await measured(() =>
      writeReportPdf({ path: join(root, 'year.pdf'), document: head, attestations: records() }),
    );
    // peak RSS of verification in a fresh process
    const BOMB = 600 * 1024 * 1024;
    const request = `${attestations[0]!.folder}/request.bin`;
    await zipBundle(ex.value.path, join(root, 'bomb-pdf.zip'), {
      'report.pdf': { size: BOMB },
      [request]: { size: BOMB },
    });
    await zipBundle(ex.value.path, join(root, 'bomb-json.zip'), {
      'evidence.json': { size: BOMB },
      'manifest.intoto.json': { size: BOMB },
    });
    const rss = [];
    for (const [bundle, path] of [
      ['year-10000-zip', exZip.value.path],
      ['year-10000-dir', ex.value.path],
      ['report-pdf-600MiB-request-600MiB', join(root, 'bomb-pdf.zip')],
      ['evidence-json-600MiB-manifest-600MiB', join(root, 'bomb-json.zip')],
    ] as const) {
      const v = await verifyInChild(path);
      rss.push({
        op: 'evidence-verify-rss',
        bundle,
        ok: v.ok,
        failed_checks: [...new Set(v.failures.map((f) => f.check))],
        seconds: Math.round(v.seconds * 100) / 100,
        peak_rss_mib: v.maxRssMiB,
        bound_mib: VERIFY_RSS_BOUND_MIB,
        within_bound: v.maxRssMiB < VERIFY_RSS_BOUND_MIB,
      });
    }
    return [
      { ...record('evidence-report-pdf', pdf, 1, 'pdf'), guests: GUESTS },
      ...rss,
      record('evidence-export', exZip, exZip.value.files, 'zip'),
      record('evidence-verify', veZip, veZip.value.files, 'zip'),
      record('evidence-export-dir', ex, ex.value.files, 'directory'),
      record('evidence-verify-dir', ve, ve.value.files, 'directory'),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
