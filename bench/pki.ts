/**
 * HKD verification benchmarks on IBM's s390-tools fixtures (RSA-4096 chain, offline CRLs):
 * `hkd-verify` (chain + one HKD, from bytes), `hkd-verify-second` (one more HKD against a validated chain),
 * `crl-lookup` (one HKD against a signing-key CRL with 100k revoked serials) and `crl-parse-100k`.
 */
import { readFileSync } from 'node:fs';
import { createHkdVerifier, type NamedBytes } from '../main/engine/pki/hkd-verifier.js';
import { createFakeIbmPki, reissueCrlWithSerials } from '../main/engine/pki/demo-pki.js';
import { parseCrl } from '../main/engine/pki/x509.js';
import { systemContext } from '../main/engine/crypto/context.js';

const DIR = new URL('../test/vectors/s390-tools/rust/pv/tests/assets/cert/', import.meta.url).pathname;
const AT = new Date('2026-11-26T00:00:00Z');

/** Runs an async `fn` for about `ms` milliseconds after a warm-up; returns ops/s and mean µs. */
async function measureAsync(
  fn: () => Promise<void>,
  ms = 1500,
): Promise<{ ops_per_s: number; mean_us: number; iterations: number }> {
  for (let i = 0; i < 3; i++) await fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms * 1e6) {
    await fn();
    iterations++;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const meanNs = elapsed / iterations;
  return { ops_per_s: Math.round(1e9 / meanNs), mean_us: Math.round(meanNs / 10) / 100, iterations };
}

/** Runs the PKI benchmarks and returns JSON-able records. */
export async function runPkiBench(): Promise<object[]> {
  const fx = (name: string): NamedBytes => ({ name, bytes: new Uint8Array(readFileSync(DIR + name)) });
  const chain = {
    certs: [fx('ibm.crt'), fx('inter_ca.crt')],
    crls: [fx('ibm.crl'), fx('inter_ca.crl')],
    rootCa: fx('root_ca.chained.crt'),
    offline: true,
    at: AT,
  };
  const host = fx('host.crt');
  const host2 = fx('host2.crt');
  const records: object[] = [];

  const full = await measureAsync(async () => {
    const v = await createHkdVerifier(chain);
    const r = await v.verify(host.bytes, host.name);
    if (!r.verified) throw new Error(r.reason);
  });
  records.push({ op: 'hkd-verify', ...full, note: 'parse + chain (RSA-4096, 3 CRLs) + one HKD, offline' });

  const verifier = await createHkdVerifier(chain);
  const second = await measureAsync(async () => {
    const r = await verifier.verify(host2.bytes, host2.name);
    if (!r.verified) throw new Error(r.reason);
  });
  records.push({
    op: 'hkd-verify-second',
    ...second,
    target_mean_us: 2000,
    note: 'one more HKD against an already validated chain',
  });

  const pki = await createFakeIbmPki({ ctx: systemContext(), hkdCount: 1 });
  const serials: string[] = [];
  for (let i = 0; i < 100_000; i++) serials.push(`10${i.toString(16).padStart(14, '0')}`);
  const big = reissueCrlWithSerials({ template: pki.signingKeyCrl, signer: pki.signingKey.keyPair, serials });
  const parse = await measureAsync(async () => {
    if (parseCrl(big.der).revoked.size !== 100_000) throw new Error('bad CRL');
  }, 1500);
  records.push({ op: 'crl-parse-100k', ...parse, crl_bytes: big.der.length });

  const bigVerifier = await createHkdVerifier({
    certs: [
      { name: 'sk', bytes: pki.signingKey.der },
      { name: 'inter', bytes: pki.intermediate.der },
    ],
    crls: [
      { name: 'big', bytes: big.der },
      { name: 'inter.crl', bytes: pki.intermediateCrl.der },
      { name: 'root.crl', bytes: pki.rootCrl.der },
    ],
    rootCa: { name: 'root', bytes: pki.root.der },
    offline: true,
    at: new Date(),
  });
  const hkd = pki.hkds[0]!.der;
  const lookup = await measureAsync(async () => {
    const r = await bigVerifier.verify(hkd, 'hkd');
    if (!r.verified) throw new Error(r.reason);
  });
  records.push({
    op: 'crl-lookup',
    ...lookup,
    revoked_serials: 100_000,
    note: 'HKD check against a validated chain; CRL indexed once',
  });
  return records;
}
