/**
 * Child process of the evidence memory tests and benchmark: verifies one bundle and prints one JSON line with
 * the result's failed checks and the process's peak RSS (`process.resourceUsage().maxRSS`, KiB → MiB).
 * Usage: node --import tsx evidence-verify-child.ts BUNDLE
 */
import { verifyEvidenceBundle } from '../../main/services/evidence/verify.js';

const path = process.argv[2];
if (!path) throw new Error('usage: evidence-verify-child.ts BUNDLE');
const t0 = process.hrtime.bigint();
const v = await verifyEvidenceBundle(path);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(
  `${JSON.stringify({
    ok: v.ok,
    attestations: v.attestations,
    failures: v.results.filter((r) => !r.ok).map((r) => ({ check: r.check, file: r.file, code: r.code })),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    seconds,
  })}\n`,
);
