/**
 * HKD verification benchmarks on IBM's s390-tools fixtures (RSA-4096 chain, offline CRLs):
 * `hkd-verify` (chain + one HKD, from bytes), `hkd-verify-second` (one more HKD against a validated chain),
 * `crl-lookup` (one HKD against a signing-key CRL with 100k revoked serials), `crl-parse-100k` (the verifier's CRL
 * reader: @peculiar/x509 for the CRL, the small DER reader for its revoked list) and, once, the same CRL read by
 * @peculiar/x509 alone (`crl-parse-100k-x509-only`: the measured reason the DER reader is kept for that list);
 * `crl-fetch-timeout`: how long the online CRL fetcher takes to give up on a server that never answers (a loopback
 * server; the figure test/services/crl-fetch.test.ts no longer asserts).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Crl } from '@peculiar/x509';
import { createHkdVerifier, type NamedBytes } from '../main/engine/pki/hkd-verifier.js';
import { createFakeIbmPki, reissueCrlWithSerials } from '../main/engine/pki/demo-pki.js';
import { clearParseCache, parseCrl } from '../main/engine/pki/x509.js';
import { systemContext } from '../main/engine/crypto/context.js';
import { createCrlFetcher } from '../main/services/crl-fetch.js';

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

/** The CRL fetcher against a loopback server that accepts and never answers: ms until it gives up, 5 runs. */
async function crlFetchTimeout(timeoutMs: number): Promise<object> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((_req, res) => void hanging.add(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/never.crl`;
    const fetchCrl = createCrlFetcher({ timeoutMs });
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      await fetchCrl(url).then(
        () => {
          throw new Error('the hanging server answered');
        },
        () => undefined,
      );
      runs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    runs.sort((a, b) => a - b);
    return {
      op: 'crl-fetch-timeout',
      timeout_ms: timeoutMs,
      median_ms: Math.round(runs[2]!),
      max_ms: Math.round(runs[4]!),
    };
  } finally {
    for (const res of hanging) res.destroy();
    server.close();
  }
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

  const fullOnce = async (): Promise<void> => {
    const v = await createHkdVerifier(chain);
    const r = await v.verify(host.bytes, host.name);
    if (!r.verified) throw new Error(r.reason);
  };
  const cold = await measureAsync(async () => {
    clearParseCache();
    await fullOnce();
  });
  records.push({
    op: 'hkd-verify',
    ...cold,
    note: 'parse + chain (RSA-4096, 3 CRLs) + one HKD, offline, nothing cached',
  });
  const warm = await measureAsync(fullOnce);
  records.push({
    op: 'hkd-verify-warm',
    ...warm,
    note: 'the same with the certificates and CRLs already parsed (a workspace verifying its material again)',
  });

  const verifier = await createHkdVerifier(chain);
  const second = await measureAsync(async () => {
    clearParseCache(); // a second HKD never seen before: parsed every time
    const r = await verifier.verify(host2.bytes, host2.name);
    if (!r.verified) throw new Error(r.reason);
  });
  records.push({
    op: 'hkd-verify-second',
    ...second,
    target_mean_us: 2000,
    note: 'one more HKD against an already validated chain (the HKD parsed each time)',
  });

  const pki = await createFakeIbmPki({ ctx: systemContext(), hkdCount: 1 });
  const serials: string[] = [];
  for (let i = 0; i < 100_000; i++) serials.push(`10${i.toString(16).padStart(14, '0')}`);
  const big = reissueCrlWithSerials({ template: pki.signingKeyCrl, signer: pki.signingKey.keyPair, serials });
  const parse = await measureAsync(async () => {
    clearParseCache();
    if (parseCrl(big.der).revoked.size !== 100_000) throw new Error('bad CRL');
  }, 1500);
  records.push({ op: 'crl-parse-100k', ...parse, crl_bytes: big.der.length });
  const t0 = process.hrtime.bigint();
  // asn1js's default limit of 10,000 nodes refuses this CRL outright; it needs 300,000+
  const whole = new X509Crl(big.der, { berOptions: { maxNodes: 1_000_000 } });
  const built = Number(process.hrtime.bigint() - t0) / 1e3;
  const serialsSeen = new Set(whole.entries.map((e) => e.serialNumber)).size;
  records.push({
    op: 'crl-parse-100k-x509-only',
    build_us: Math.round(built),
    build_and_index_us: Math.round(Number(process.hrtime.bigint() - t0) / 1e3),
    revoked_serials: serialsSeen,
    note: 'one run: @peculiar/x509 X509Crl of the same CRL, then its entries into a Set',
  });

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
    clearParseCache();
    const r = await bigVerifier.verify(hkd, 'hkd');
    if (!r.verified) throw new Error(r.reason);
  });
  records.push({
    op: 'crl-lookup',
    ...lookup,
    revoked_serials: 100_000,
    note: 'HKD check against a validated chain; CRL indexed once',
  });
  records.push(await crlFetchTimeout(300));
  return records;
}
