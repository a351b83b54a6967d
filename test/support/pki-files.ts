/** Writes a fake IBM PKI as the files a user would pass to `se-attest` (PEM; host private keys mode 0600). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeIbmPki } from '../../main/engine/index.js';

/** The chain items of a fake IBM PKI as (file name, PEM): root.crt, inter.crt, ibm.crt and their CRLs. */
export function chainPems(pki: FakeIbmPki): [string, string][] {
  return [
    ['root.crt', pki.root.pem],
    ['inter.crt', pki.intermediate.pem],
    ['ibm.crt', pki.signingKey.pem],
    ['root.crl', pki.rootCrl.pem],
    ['inter.crl', pki.intermediateCrl.pem],
    ['ibm.crl', pki.signingKeyCrl.pem],
  ];
}

/**
 * Writes root.crt, inter.crt, ibm.crt, root.crl, inter.crl, ibm.crl and, per HKD i, hkd<i>.crt and hkd<i>.key
 * into `dir`; returns the chain options `create`/`attest` need for a fully offline verification.
 */
export function writePkiFiles(dir: string, pki: FakeIbmPki): string[] {
  for (const [name, text] of chainPems(pki)) writeFileSync(join(dir, name), text);
  pki.hkds.forEach((h, i) => {
    writeFileSync(join(dir, `hkd${i}.crt`), h.pem);
    writeFileSync(join(dir, `hkd${i}.key`), h.privateKeyPem, { mode: 0o600 });
  });
  return [
    '-C',
    'ibm.crt',
    '-C',
    'inter.crt',
    '--crl',
    'root.crl',
    '--crl',
    'inter.crl',
    '--crl',
    'ibm.crl',
    '--root-ca',
    'root.crt',
    '--offline',
  ];
}
