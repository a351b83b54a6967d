/**
 * The e2e scenario over the in-memory port (test double): a real HKD certificate from the interop vectors,
 * a freshly signed CRL whose nextUpdate is 12 days away (so the Trust screen must warn), and a tampered
 * guest whose measurement does not match.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createFakePort } from '../support/fake-port.js';
import type { E2eScenario } from './scenario.js';

/** Interop vectors shared by the project. */
export const VECTORS_DIR = new URL('../../../shared/vectors/interop/keys/', import.meta.url).pathname;

/** Writes a CA certificate and a CRL (nextUpdate in `days` days) into `dir`; returns their paths. */
export async function writeCaAndCrl(dir: string, days: number): Promise<{ caPath: string; crlPath: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test Intermediate CA, O=Example, C=US',
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 400 * 86_400_000),
    keys,
    signingAlgorithm: alg,
  });
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.subject,
    thisUpdate: new Date(now.getTime() - 3_600_000),
    nextUpdate: new Date(now.getTime() + days * 86_400_000 + 3_600_000),
    signingKey: keys.privateKey,
    signingAlgorithm: alg,
    entries: [],
  });
  const caPath = join(dir, 'test-ca.crt');
  const crlPath = join(dir, 'test-ca.crl');
  await writeFile(caPath, ca.toString('pem'));
  await writeFile(crlPath, crl.toString('pem'));
  return { caPath, crlPath };
}

/** The in-memory scenario. */
export async function createFakeScenario(): Promise<E2eScenario> {
  const dir = await mkdtemp(join(tmpdir(), 'sea-e2e-'));
  const { caPath, crlPath } = await writeCaAndCrl(dir, 12);
  const port = createFakePort({ tamperedHosts: ['10.0.0.66'] });
  return {
    port,
    goodGuest: { name: 'guest-genuine', sshTarget: 'root@10.0.0.10:22', seHeaderPath: join(VECTORS_DIR, 'se.hdr') },
    tamperedGuest: { name: 'guest-tampered', sshTarget: 'root@10.0.0.66:22', seHeaderPath: join(VECTORS_DIR, 'se.hdr') },
    trustFiles: [join(VECTORS_DIR, 'hostA.crt'), caPath, crlPath],
    expectedFailure: /measurement mismatch/i,
    async seedHistory(guestName, count) {
      const guest = (await port.listGuests({})).find((g) => g.name === guestName);
      if (!guest) throw new Error(`no guest ${guestName}`);
      port.seedHistory(guest.id, count);
    },
    async seedStoredAttestations(count) {
      const per = Math.ceil(count / 10);
      for (let i = 0; i < 10; i++) {
        const g = await port.addGuest({ name: `bulk-${i}`, sshTarget: `root@10.1.0.${i + 1}`, policy: {} });
        port.seedHistory(g.id, Math.min(per, count - i * per));
      }
    },
    rowsServed: () => port.rowsServed,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
