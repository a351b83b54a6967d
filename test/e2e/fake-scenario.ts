/**
 * Trust fixtures left from the in-memory e2e scenario (the e2e and Electron tests now run on
 * real-scenario.ts): a CA certificate and a CRL due in a given number of days, used by the renderer's
 * view tests (test/renderer/views.test.ts imports `writeCaAndCrl` from here).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

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
