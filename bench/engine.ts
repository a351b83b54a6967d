/**
 * Engine benchmarks: `create` with 1 and 16 HKDs and `verify`, in-process, each beside the raw Node crypto
 * floor of the same work (customer keygen + one ECDH per slot + AES-GCM + HMAC) measured in the same run; and
 * `fuzz-call`: the time per call of each target of the fuzz test (test/engine/fuzz.test.ts, run in a child
 * process with FUZZ_REPORT), the figure the test once capped at 3 s per call and no longer asserts.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createECDH, createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coordsFromSpki,
  createAttestationRequest,
  p521PrivateKeyFromPem,
  performAttestation,
  sec1FromCoords,
  systemContext,
  verifyAttestationResponse,
} from '../main/engine/index.js';

const KEYS = new URL('../test/vectors/interop/keys/', import.meta.url).pathname;

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function measure(fn: () => void, ms = 1500): { ops_per_s: number; mean_us: number; iterations: number } {
  for (let i = 0; i < 5; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms * 1e6) {
    fn();
    iterations++;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const meanNs = elapsed / iterations;
  return { ops_per_s: Math.round(1e9 / meanNs), mean_us: Math.round(meanNs / 10) / 100, iterations };
}

function rawCreate(hostPoints: Buffer[]): void {
  const customer = createECDH('secp521r1');
  customer.generateKeys();
  const arpk = randomBytes(32);
  for (const p of hostPoints) {
    const z = customer.computeSecret(p);
    const c = createCipheriv('aes-256-gcm', z.subarray(0, 32), Buffer.alloc(12));
    c.update(arpk);
    c.final();
    c.getAuthTag();
  }
  const c = createCipheriv('aes-256-gcm', arpk, randomBytes(12));
  c.setAAD(Buffer.alloc(224 + 80 * hostPoints.length));
  c.update(randomBytes(80));
  c.final();
}

function rawVerify(): void {
  const arpk = Buffer.alloc(32, 1);
  const c = createCipheriv('aes-256-gcm', arpk, Buffer.alloc(12));
  c.setAAD(Buffer.alloc(304));
  c.update(Buffer.alloc(80));
  c.final();
  createHmac('sha512', Buffer.alloc(64)).update(Buffer.alloc(300)).digest();
}

/** Runs the fuzz test once and returns one record per target: calls, mean and slowest call. */
function fuzzCalls(): object[] {
  const dir = mkdtempSync(join(tmpdir(), 'se-attest-fuzz-bench-'));
  try {
    const report = join(dir, 'timings.jsonl');
    const test = new URL('../test/engine/fuzz.test.ts', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', test], {
      env: { ...process.env, FUZZ_REPORT: report, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) return [{ op: 'fuzz-call', failed: `the fuzz test exited with ${run.status}` }];
    return readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((line) => ({ op: 'fuzz-call', ...(JSON.parse(line) as object) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Returns one record per measured operation. */
export async function runEngineBench(): Promise<object[]> {
  const ctx = systemContext();
  const hostCoords = coordsFromSpki(
    new Uint8Array(createPublicKey(readFileSync(`${KEYS}hostA.key`, 'utf8')).export({ format: 'der', type: 'spki' })),
  );
  const hostPriv = p521PrivateKeyFromPem(readFileSync(`${KEYS}hostA.key`, 'utf8'));
  const seHeader = new Uint8Array(readFileSync(`${KEYS}se.hdr`));
  const out: object[] = [];
  for (const hkds of [1, 16]) {
    const keys = Array.from({ length: hkds }, () => hostCoords);
    const points = keys.map((k) => Buffer.from(sec1FromCoords(k)));
    const floor = measure(() => rawCreate(points));
    const ours = measure(() => createAttestationRequest({ hostKeys: keys, addData: ['phkh-img', 'phkh-att'], ctx }));
    out.push({
      op: 'create',
      hkds,
      ops_per_s: ours.ops_per_s,
      mean_us: ours.mean_us,
      floor_ops_per_s: floor.ops_per_s,
      floor_mean_us: floor.mean_us,
      ratio_to_floor: Math.round((ours.mean_us / floor.mean_us) * 100) / 100,
      pvattest_spawn_us_reference: 30000,
    });
  }
  const req = createAttestationRequest({ hostKeys: [hostCoords], addData: ['phkh-img', 'phkh-att'], ctx });
  const response = performAttestation({
    request: req.exchange,
    hostPrivateKeys: [hostPriv],
    seHeader,
    cuid: ctx.randomBytes(16),
    userData: ctx.randomBytes(8),
  });
  const floor = measure(rawVerify);
  const ours = measure(() => {
    if (!verifyAttestationResponse({ response, arpk: req.arpk, seHeader }).verified)
      throw new Error('bench response did not verify');
  });
  out.push({
    op: 'verify',
    ops_per_s: ours.ops_per_s,
    mean_us: ours.mean_us,
    floor_ops_per_s: floor.ops_per_s,
    floor_mean_us: floor.mean_us,
    ratio_to_floor: Math.round((ours.mean_us / floor.mean_us) * 100) / 100,
  });
  const perform = measure(() =>
    performAttestation({ request: req.exchange, hostPrivateKeys: [hostPriv], seHeader, cuid: ctx.randomBytes(16) }),
  );
  out.push({ op: 'perform-software-uv', ops_per_s: perform.ops_per_s, mean_us: perform.mean_us });
  out.push(...fuzzCalls());
  return out;
}
