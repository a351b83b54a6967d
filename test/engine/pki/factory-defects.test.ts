/**
 * One freshly generated fake IBM PKI per defect (test/support/pki-factory.ts); each asserts the exact code.
 * Also time-boundary tests (notBefore / notAfter / nextUpdate ± 1 s) on a generated chain.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDefectScenario,
  createFakeIbmPkiForTest,
  scenarioFromPki,
  type PkiDefect,
} from '../../support/pki-factory.js';
import { verifyHostKeyDocuments, type HkdVerificationReport } from '../../../main/engine/pki/hkd-verifier.js';
import { p521KeyPairFromPrivate, p521PrivateKeyFromPem } from '../../../main/engine/crypto/p521.js';
import { equalBytes } from '../../../main/engine/bytes.js';

/** The code of the first problem: chain code, else the first HKD's code, else 'OK'. */
function outcome(r: HkdVerificationReport): string {
  if (!r.chain.ok)
    return `${r.chain.code}${r.chain.x509Code !== undefined ? `(${r.chain.x509Code}@${r.chain.depth})` : ''}`;
  const h = r.hkds[0]!;
  return h.verified ? 'OK' : h.code!;
}

const EXPECTED: Record<PkiDefect, string> = {
  none: 'OK',
  'revoked-hkd': 'ERR_HKD_REVOKED',
  'revoked-signing-key': 'ERR_CHAIN_REVOKED(23@0)',
  'expired-hkd': 'ERR_HKD_EXPIRED',
  'not-yet-valid-hkd': 'ERR_HKD_NOT_YET_VALID',
  'expired-signing-key': 'ERR_CHAIN_EXPIRED(10@0)',
  'not-yet-valid-signing-key': 'ERR_CHAIN_NOT_YET_VALID(9@0)',
  'stale-hkd-crl': 'ERR_HKD_NO_VALID_CRL',
  'future-hkd-crl': 'ERR_HKD_NO_VALID_CRL',
  'forged-hkd-crl': 'ERR_HKD_NO_VALID_CRL',
  'missing-hkd-crl': 'ERR_HKD_NO_VALID_CRL',
  'stale-intermediate-crl': 'ERR_CRL_EXPIRED(12@0)',
  'future-intermediate-crl': 'ERR_CRL_NOT_YET_VALID(11@0)',
  'forged-intermediate-crl': 'ERR_CRL_BAD_SIGNATURE(8@0)',
  'missing-intermediate-crl': 'ERR_CRL_MISSING(3@0)',
  'missing-root-crl': 'ERR_CRL_MISSING(3@1)',
  'akid-mismatch': 'ERR_HKD_AKID_MISMATCH',
  'wrong-signer-right-names': 'ERR_HKD_BAD_SIGNATURE',
  'wrong-ou': 'ERR_HKD_NO_SIGNING_KEY',
  'two-signing-keys': 'ERR_HKD_MANY_SIGNING_KEYS',
  'non-p521-hkd': 'ERR_HKD_NOT_P521',
  'armonk-key-poughkeepsie-crl': 'OK',
  'poughkeepsie-key-armonk-crl': 'ERR_HKD_NO_VALID_CRL',
  'reordered-crl-issuer': 'OK',
  'chain-too-long': 'ERR_CHAIN_TOO_LONG(22@3)',
  'weak-intermediate-key': 'ERR_CHAIN_WEAK_KEY(67@1)',
  'rsa-pss-chain': 'OK',
  'self-signed-signing-key': 'ERR_CHAIN_TOO_SHORT(50@0)',
  'sha1-signed-chain': 'ERR_CHAIN_WEAK_DIGEST(68@0)',
  'intermediate-not-ca': 'ERR_CHAIN_PROFILE(24@1)',
  'unknown-critical-extension': 'ERR_CHAIN_PROFILE(34@0)',
  'ecdsa-p256-chain': 'OK',
  'rsa-chain': 'OK',
};

describe('generated PKI, one fixture per defect', () => {
  for (const [defect, expected] of Object.entries(EXPECTED) as [PkiDefect, string][]) {
    test(`${defect} → ${expected}`, async () => {
      const r = await verifyHostKeyDocuments(await createDefectScenario(defect));
      assert.equal(outcome(r), expected, r.chain.reason ?? r.hkds[0]?.reason);
    });
  }
  test('missing HKD CRL offline names the issuer and distribution point', async () => {
    const r = await verifyHostKeyDocuments(await createDefectScenario('missing-hkd-crl'));
    const h = r.hkds[0]!;
    assert.deepEqual(h.missingCrl?.distributionPoints, ['ibm-z-signing-key.crl']);
    assert.match(h.reason, /ibm-z-signing-key\.crl/);
    assert.match(h.reason, /Key Signing Service/);
  });
});

describe('demo PKI', () => {
  test('HKD private keys match the certificates and facts are reported', async () => {
    const pki = await createFakeIbmPkiForTest({
      hkdCount: 2,
      machines: [
        { type: '3931', serial: '00000000ABCD1' },
        { type: '8561', serial: '0000000012345' },
      ],
    });
    const r = await verifyHostKeyDocuments(scenarioFromPki(pki));
    assert.equal(r.verified, true, JSON.stringify(r.hkds.map((h) => h.reason)));
    for (const [i, h] of r.hkds.entries()) {
      const kp = p521KeyPairFromPrivate(p521PrivateKeyFromPem(pki.hkds[i]!.privateKeyPem));
      assert.ok(equalBytes(kp.publicCoords, h.publicCoords!));
    }
    assert.equal(r.hkds[1]!.facts?.machineType, '8561');
    assert.equal(r.hkds[1]!.facts?.machineSerial, '0000000012345');
  });
});

describe('time boundaries (± 1 s)', () => {
  test('HKD notBefore/notAfter, chain notAfter and CRL nextUpdate', async () => {
    const pki = await createFakeIbmPkiForTest();
    const base = scenarioFromPki(pki);
    const at = async (ms: number) => outcome(await verifyHostKeyDocuments({ ...base, at: new Date(ms) }));
    const nb = pki.notBefore.getTime();
    const na = pki.notAfter.getTime();
    // every item shares notBefore/notAfter/thisUpdate/nextUpdate
    assert.equal(await at(nb - 1000), 'ERR_CRL_NOT_YET_VALID(11@0)');
    assert.equal(await at(nb), 'OK');
    assert.equal(await at(nb + 1000), 'OK');
    assert.equal(await at(na - 1000), 'OK');
    assert.equal(await at(na), 'ERR_CRL_EXPIRED(12@0)');
  });
  test('HKD validity boundaries inside a valid chain', async () => {
    const pki = await createFakeIbmPkiForTest();
    const { issueHostKeyDocument } = await import('../../../main/engine/pki/demo-pki.js');
    const { factoryContext, FACTORY_NOW } = await import('../../support/pki-factory.js');
    const t = FACTORY_NOW.getTime();
    const hkd = await issueHostKeyDocument({
      ctx: factoryContext(),
      signingKey: pki.signingKey,
      notBefore: new Date(t),
      notAfter: new Date(t + 3600_000),
      machineType: '3931',
      machineSerial: '000000000BEEF',
    });
    const base = { ...scenarioFromPki(pki), hkds: [{ name: 'h.crt', bytes: new TextEncoder().encode(hkd.pem) }] };
    const at = async (ms: number) => outcome(await verifyHostKeyDocuments({ ...base, at: new Date(ms) }));
    assert.equal(await at(t - 1000), 'ERR_HKD_NOT_YET_VALID');
    assert.equal(await at(t), 'OK');
    assert.equal(await at(t + 3600_000 - 1000), 'OK');
    assert.equal(await at(t + 3600_000), 'ERR_HKD_EXPIRED');
    assert.equal(await at(t + 3600_000 + 1000), 'ERR_HKD_EXPIRED');
  });
});
