/**
 * Engine benchmarks: `create` with 1 and 16 HKDs and `verify`, in-process, each beside the raw Node crypto
 * floor of the same work (customer keygen + one ECDH per slot + AES-GCM + HMAC) measured in the same run.
 */
import { createCipheriv, createECDH, createHmac, createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  return out;
}
