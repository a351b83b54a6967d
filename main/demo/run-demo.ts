/**
 * `se-attest demo` / `npm run demo`: shows the whole workstation working without an IBM Z — a demo workspace
 * with a DEMO PKI and three simulated secure guests on loopback SSH, each attested the real way (HKDs verified
 * offline, request created, `pvattest perform` over SSH, response verified, run recorded), each guest's
 * outcome (payments verified, analytics a policy violation, ledger a measurement mismatch) with expected beside
 * seen for a failed policy check, a summary counting each outcome, then the release step (each guest asks for
 * its API token; only the verified guest is given it, as a pvsecret secret bound to its attestation and locked,
 * checked by a second attestation), then an evidence bundle exported and re-verified.
 */
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AttestationRecord } from '../../shared/types/store.js';
import {
  countOutcomes,
  isVerifiedOutcome,
  OUTCOME_LABELS,
  OUTCOMES,
  type Outcome,
} from '../../shared/types/verdict.js';
import type { EngineContext } from '../engine/crypto/context.js';
import { attestStoredGuest } from '../services/attest-stored-guest.js';
import { releaseSecret } from '../services/release-secret.js';
import { exportStoreEvidence, workstationKeyDir } from '../services/evidence/store-export.js';
import { verifyEvidenceBundle } from '../services/evidence/verify.js';
import { openStore } from '../store/index.js';
import type { ReleaseRunRecord } from '../../shared/types/release.js';
import {
  DEFAULT_DEMO_DIR,
  DEMO_RELEASE,
  type DemoGuestSpec,
  createDemoWorkspace,
  ensureDemoReleases,
  demoPaths,
  isDemoWorkspace,
  readDemoManifest,
  startDemoGuests,
} from './workspace.js';

/** Inputs of `runDemo`. */
export interface RunDemoParams {
  readonly dir: string;
  /** Start from scratch even when `dir` already holds a demo workspace. */
  readonly fresh?: boolean;
  readonly ctx: EngineContext;
  /** Where the summary goes. */
  readonly print: (line: string) => void;
  /** How to refer to the workspace in the closing hint (default its path). */
  readonly displayDir?: string;
}

/** The outcome the demo expects of each kind of guest. */
const EXPECTED_OUTCOME: Readonly<Record<DemoGuestSpec['role'], Outcome>> = {
  healthy: 'verified',
  'other-host': 'policy-violation',
  tampered: 'mismatch',
};

/** One guest's outcome. */
export interface DemoOutcome {
  readonly guest: string;
  readonly expected: Outcome;
  readonly record: AttestationRecord;
}

/** One guest's release: whether it was released and whether anything reached the guest's secret store. */
export interface DemoRelease {
  readonly guest: string;
  readonly run: ReleaseRunRecord;
  /** Add-secret requests the guest received (pvsecret add was run with them). */
  readonly requestsReceived: number;
}

/** What the demo did. */
export interface DemoResult {
  readonly outcomes: readonly DemoOutcome[];
  readonly releases: readonly DemoRelease[];
  readonly evidencePath: string;
  readonly evidenceOk: boolean;
  /** True when every guest ended with the outcome the demo expects and the bundle verified. */
  readonly ok: boolean;
}

/** One guest's line: its outcome, the code and reason of anything but verified, expected beside seen. */
function describe(record: AttestationRecord): string {
  const v = record.verdict;
  if (!v) return 'PENDING';
  const label = OUTCOME_LABELS[v.outcome];
  if (isVerifiedOutcome(v.outcome)) return `${label} — CUID 0x${record.cuid ?? '?'}`;
  if (v.outcome === 'mismatch')
    return `${label.toUpperCase()} — the response does not match the request and the guest image`;
  let line = `${label.toUpperCase()} ${v.code ?? ''} — ${v.reason}`;
  for (const c of v.checks.filter((x) => !x.passed))
    line += `\n      ${c.check}: expected ${c.expected || '(empty)'}\n      ${' '.repeat(c.check.length)}  seen     ${c.seen ?? '(absent)'}`;
  return line;
}

/** One guest's release line: what was released and how it was checked, or why nothing was sent. */
function describeRelease(run: ReleaseRunRecord, received: number): string {
  if (run.status === 'released')
    return `${run.releaseName} released — request SHA-256 ${run.requestSha256?.slice(0, 16)}…, bound to CUID 0x${run.cuid ?? '?'}, store ${run.locked ? 'locked' : 'open'}; checked by attestation ${run.checkAttestationId}`;
  return `${run.releaseName} NOT SENT — ${run.errorCode ?? 'error'} at step "${run.failedStep ?? '?'}" (attestation ${run.gateAttestationId ?? '-'}); the guest received ${received} add-secret requests`;
}

/** "1 verified, 1 policy violation, 1 measurement mismatch": every outcome that occurred, in model order. */
export function summarizeOutcomes(outcomes: Iterable<Outcome>): string {
  const counts = countOutcomes(outcomes);
  return OUTCOMES.filter((o) => counts[o] > 0)
    .map((o) => `${counts[o]} ${OUTCOME_LABELS[o]}`)
    .join(', ');
}

/** Runs the demo; see the module summary. */
export async function runDemo(p: RunDemoParams): Promise<DemoResult> {
  const paths = demoPaths(p.dir);
  if (p.fresh && isDemoWorkspace(p.dir)) rmSync(p.dir, { recursive: true, force: true });
  const created = !isDemoWorkspace(p.dir);
  if (created) await createDemoWorkspace(p.dir, p.ctx);
  const manifest = readDemoManifest(p.dir);
  p.print(`SE Attestation Workstation demo — workspace ${p.displayDir ?? p.dir}${created ? ' (created)' : ''}`);
  p.print(
    'DEMO PKI: root CA → intermediate CA → IBM Z signing key → host-key documents of host A and host B, with CRLs',
  );
  p.print('(every DEMO certificate is marked DEMO and is trusted only inside this workspace)');
  const store = openStore({ path: paths.db });
  ensureDemoReleases(p.dir, store, p.ctx);
  const running = await startDemoGuests(p.dir, store);
  const outcomes: DemoOutcome[] = [];
  const releases: DemoRelease[] = [];
  try {
    for (const spec of manifest.guests) {
      const { record } = await attestStoredGuest({ store, guest: spec.name, ctx: p.ctx });
      outcomes.push({ guest: spec.name, expected: EXPECTED_OUTCOME[spec.role], record });
      p.print(`  ${isVerifiedOutcome(record.status) ? '✔' : '✘'} ${spec.name.padEnd(10)} ${describe(record)}`);
      p.print(`      demo expects: ${spec.expectation}`);
    }
    const judged = outcomes.flatMap((o) => (o.record.verdict ? [o.record.verdict.outcome] : []));
    p.print(`Summary: ${summarizeOutcomes(judged)} (of ${outcomes.length} guests)`);
    p.print(`Release after attestation: each guest asks for its ${DEMO_RELEASE}; only a verified guest is given it`);
    for (const { spec, guest } of running.guests) {
      const { run } = await releaseSecret({ store, guest: spec.name, release: DEMO_RELEASE, ctx: p.ctx });
      releases.push({ guest: spec.name, run, requestsReceived: guest.addSecretRequests.length });
      p.print(
        `  ${run.status === 'released' ? '✔' : '✘'} ${spec.name.padEnd(10)} ${describeRelease(run, guest.addSecretRequests.length)}`,
      );
    }
  } finally {
    await running.close();
  }
  const from = new Date(Date.parse(manifest.createdAt) - 24 * 3600 * 1000);
  const to = new Date(p.ctx.now().getTime() + 60 * 1000);
  const evidencePath = join(paths.evidence, `bundle-${p.ctx.now().toISOString().replace(/[:.]/g, '-')}`);
  let evidenceOk: boolean;
  try {
    const exported = await exportStoreEvidence({
      store,
      from,
      to,
      destination: evidencePath,
      keyDir: workstationKeyDir(paths.db),
      organisation: 'DEMO organisation',
    });
    const check = await verifyEvidenceBundle(exported.path);
    evidenceOk = check.ok;
    const shown = p.displayDir ? join(p.displayDir, relative(p.dir, exported.path)) : exported.path;
    p.print(`Evidence: ${exported.attestationCount} attestations exported to ${shown}`);
    p.print(
      `Evidence re-verified offline: ${check.ok ? 'all checks passed' : 'FAILED'} (${check.results.filter((r) => r.ok).length}/${check.results.length} checks) — key ${exported.fingerprint}`,
    );
  } finally {
    store.close();
  }
  const releasedAsExpected = releases.every((r) =>
    outcomes.find((o) => o.guest === r.guest)?.expected === 'verified'
      ? r.run.status === 'released'
      : r.run.status === 'failed' && r.requestsReceived === 0,
  );
  const ok = evidenceOk && releasedAsExpected && outcomes.every((o) => o.record.verdict?.outcome === o.expected);
  p.print(
    `Open the workstation on this workspace:  npm start -- --demo${p.displayDir && p.displayDir !== DEFAULT_DEMO_DIR ? ` --demo-dir ${p.displayDir}` : ''}`,
  );
  p.print(
    `Or use the CLI on it:                    npx se-attest guest list --db ${join(p.displayDir ?? p.dir, 'workstation.db')}`,
  );
  return { outcomes, releases, evidencePath, evidenceOk, ok };
}
