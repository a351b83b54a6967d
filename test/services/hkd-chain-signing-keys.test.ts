// Issue 12: evidence re-verification of a workspace with two IBM Z signing keys (IBM's key rotation) checks each
// attestation's HKD against the signing key that issued it, as the workspace did when it attested.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHkdChainChecker } from '../../main/services/evidence/hkd-chain.js';
import { FACTORY_NOW, createFakeIbmPkiForTest, rotateSigningKey, scenarioFromPki } from '../support/pki-factory.js';

test('bundled material with two signing keys: HKDs of both verify, a foreign HKD does not', async () => {
  const pki = await createFakeIbmPkiForTest();
  const rotated = await rotateSigningKey(pki);
  const foreign = await createFakeIbmPkiForTest();
  const s = scenarioFromPki(pki);
  const enc = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) });
  const check = createHkdChainChecker({
    certificates: [...s.certs, enc('ibm-rotated.crt', rotated.signingKey.pem)],
    roots: [s.rootCa!],
    crls: [...(s.crls ?? []), enc('ibm-rotated.crl', rotated.crl.pem)],
  });
  const hkd = (name: string, pem: string) => ({ ...enc(name, pem), sha256: name });
  assert.deepEqual(await check([hkd('old', pki.hkds[0]!.pem), hkd('new', rotated.hkd.pem)], FACTORY_NOW), {
    verdict: 'verified',
    crlState: 'valid',
  });
  const bad = await check([hkd('foreign', foreign.hkds[0]!.pem)], FACTORY_NOW);
  assert.equal(bad.verdict, 'failed');
  assert.equal(bad.code, 'ERR_HKD_NO_ISSUING_SIGNING_KEY');
});
