/**
 * Issue 12 ("Several IBM Z signing keys in one workspace") at the verifier: with the `per-hkd` rule each HKD is
 * checked against the signing key that issued it (issuer name and AKID, then signature) and the result names that
 * key; an HKD none of them issued has its own code; `exactly-one` keeps pvattest's rule for -C files. Also issue
 * 13's single signing-key name rule: trust import classifies by the verifier's predicate.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyHostKeyDocuments, type NamedBytes } from '../../../main/engine/pki/hkd-verifier.js';
import { ibmName, issueCertificate, randomSerial, generateSigningKeyPair } from '../../../main/engine/pki/demo-pki.js';
import { isIbmSigningKeySubject } from '../../../main/engine/pki/signing-key.js';
import { parseCertificate } from '../../../main/engine/pki/x509.js';
import { parseTrustFile } from '../../../main/services/trust.js';
import {
  FACTORY_NOW,
  createFakeIbmPkiForTest,
  factoryContext,
  rotateSigningKey,
  scenarioFromPki,
} from '../../support/pki-factory.js';

const nb = (name: string, text: string): NamedBytes => ({ name, bytes: new TextEncoder().encode(text) });

describe('several IBM Z signing keys (issue 12)', async () => {
  const pki = await createFakeIbmPkiForTest();
  const rotated = await rotateSigningKey(pki); // same subject, new key: only the AKID tells them apart
  const armonk = await rotateSigningKey(pki, { locality: 'Armonk', machineSerial: '00000000A4A01' });
  const noAkid = await rotateSigningKey(pki, { hkdAuthorityKeyId: null, machineSerial: '00000000C0C01' });
  const other = await createFakeIbmPkiForTest(); // another root: its HKD was issued by none of the keys
  const base = scenarioFromPki(pki);
  const material = {
    ...base,
    certs: [...base.certs, nb('rotated.crt', rotated.signingKey.pem), nb('armonk.crt', armonk.signingKey.pem)],
    crls: [...(base.crls ?? []), nb('rotated.crl', rotated.crl.pem), nb('armonk.crl', armonk.crl.pem)],
  };
  const hkds = [
    nb('old.crt', pki.hkds[0]!.pem),
    nb('new.crt', rotated.hkd.pem),
    nb('armonk-hkd.crt', armonk.hkd.pem),
    nb('foreign.crt', other.hkds[0]!.pem),
  ];

  test('per-hkd: each HKD verifies against the key that issued it, and the result names that key', async () => {
    const r = await verifyHostKeyDocuments({ ...material, hkds: hkds.slice(0, 3), signingKeyRule: 'per-hkd' });
    assert.equal(r.chain.ok, true, r.chain.reason);
    assert.equal(r.signingKeyRule, 'per-hkd');
    assert.deepEqual(
      r.signingKeys.map((k) => [k.signingKey?.source, k.ok]),
      [
        ['signing-key.crt', true],
        ['rotated.crt', true],
        ['armonk.crt', true],
      ],
    );
    assert.deepEqual(
      r.hkds.map((h) => [h.name, h.verified, h.signingKey?.source]),
      [
        ['old.crt', true, 'signing-key.crt'],
        ['new.crt', true, 'rotated.crt'],
        ['armonk-hkd.crt', true, 'armonk.crt'],
      ],
      JSON.stringify(r.hkds.map((h) => h.reason)),
    );
    assert.equal(r.hkds[1]!.signingKey?.keyId, rotated.signingKey.keyId.toUpperCase());
    assert.equal(r.verified, true);
  });

  test('per-hkd: an HKD without AKID is matched by its signature', async () => {
    const r = await verifyHostKeyDocuments({
      ...material,
      certs: [...material.certs, nb('noakid-key.crt', noAkid.signingKey.pem)],
      crls: [...(material.crls ?? []), nb('noakid.crl', noAkid.crl.pem)],
      hkds: [nb('noakid.crt', noAkid.hkd.pem)],
      signingKeyRule: 'per-hkd',
    });
    assert.equal(r.hkds[0]!.verified, true, r.hkds[0]!.reason);
    assert.equal(r.hkds[0]!.signingKey?.source, 'noakid-key.crt');
  });

  test('per-hkd: an HKD issued by none of the signing keys → ERR_HKD_NO_ISSUING_SIGNING_KEY', async () => {
    const r = await verifyHostKeyDocuments({ ...material, hkds, signingKeyRule: 'per-hkd' });
    const foreign = r.hkds[3]!;
    assert.equal(foreign.code, 'ERR_HKD_NO_ISSUING_SIGNING_KEY');
    assert.equal(foreign.category, 'NO_ISSUING_SIGNING_KEY');
    assert.match(foreign.reason, /signing-key\.crt.*rotated\.crt.*armonk\.crt/);
    assert.equal(foreign.signingKey, undefined);
    assert.deepEqual(
      r.hkds.slice(0, 3).map((h) => h.verified),
      [true, true, true],
    );
    assert.equal(r.verified, false);
  });

  test('per-hkd: a signing key whose chain fails fails only the HKDs it issued', async () => {
    // a signing key under an intermediate that is not in the workspace: its chain fails with 20@0, the others verify
    const stray = await rotateSigningKey(other);
    const r = await verifyHostKeyDocuments({
      ...material,
      certs: [...material.certs, nb('stray.crt', stray.signingKey.pem)],
      crls: [...(material.crls ?? []), nb('stray.crl', stray.crl.pem)],
      hkds: [nb('old.crt', pki.hkds[0]!.pem), nb('stray-hkd.crt', stray.hkd.pem)],
      signingKeyRule: 'per-hkd',
    });
    assert.equal(r.hkds[0]!.verified, true, r.hkds[0]!.reason);
    assert.equal(r.hkds[1]!.code, 'ERR_CHAIN_NO_ISSUER');
    assert.equal(r.hkds[1]!.x509Code, 20);
    assert.equal(r.hkds[1]!.depth, 0);
    assert.equal(r.hkds[1]!.signingKey?.source, 'stray.crt');
  });

  test('per-hkd with one signing key behaves as pvattest with that key (AKID mismatch, not "no issuer")', async () => {
    const r = await verifyHostKeyDocuments({ ...base, hkds: [hkds[3]!], signingKeyRule: 'per-hkd' });
    assert.equal(r.hkds[0]!.code, 'ERR_HKD_AKID_MISMATCH');
  });

  test('exactly-one (pvattest, -C files): two signing keys → ERR_HKD_MANY_SIGNING_KEYS for every HKD', async () => {
    const r = await verifyHostKeyDocuments({ ...material, hkds: hkds.slice(0, 2) });
    assert.equal(r.chain.code, 'ERR_HKD_MANY_SIGNING_KEYS');
    assert.deepEqual(
      r.hkds.map((h) => h.code),
      ['ERR_HKD_MANY_SIGNING_KEYS', 'ERR_HKD_MANY_SIGNING_KEYS'],
    );
    const one = await verifyHostKeyDocuments({ ...base, hkds: [hkds[0]!] });
    assert.equal(one.hkds[0]!.signingKey?.source, 'signing-key.crt', 'the one key is named too');
  });
});

describe('one signing-key name rule for trust import and the verifier (issue 13)', async () => {
  const pki = await createFakeIbmPkiForTest();
  const ctx = factoryContext();
  const variant = async (subject: ReturnType<typeof ibmName>) =>
    (
      await issueCertificate({
        role: 'signing-key',
        subject,
        keyPair: await generateSigningKeyPair('ecdsa-p256'),
        issuer: pki.intermediate,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      })
    ).pem;
  const ou = 'IBM Z Host Key Signing Service';
  const cases: [string, ReturnType<typeof ibmName>, boolean][] = [
    ['genuine Poughkeepsie', ibmName(ou, 'Poughkeepsie'), true],
    ['genuine Armonk', ibmName(ou, 'Armonk'), true],
    ['right OU, wrong locality (the old import rule called it a signing key)', ibmName(ou, 'Boston'), false],
    ['right OU, a seventh attribute', [...ibmName(ou, 'Poughkeepsie'), { '2.5.4.5': ['1'] }], false],
    ['OU not ending in the suffix', ibmName(`${ou} Invalid`, 'Poughkeepsie'), false],
    ['lower-case country', [{ C: ['us'] }, ...ibmName(ou, 'Poughkeepsie').slice(1)], false],
  ];
  for (const [label, subject, expected] of cases) {
    test(`${label}: ${expected ? 'signing key' : 'not a signing key'} for both`, async () => {
      const pem = await variant(subject);
      const bytes = new TextEncoder().encode(pem);
      const cert = parseCertificate(parseTrustFile(bytes, 'x.crt')[0]!.der);
      assert.equal(isIbmSigningKeySubject(cert.subject), expected);
      assert.equal(parseTrustFile(bytes, 'x.crt')[0]!.kind === 'signing-key', expected);
      // and the verifier uses exactly those as signing keys
      const r = await verifyHostKeyDocuments({
        ...scenarioFromPki(pki),
        certs: [nb('x.crt', pem), nb('intermediate.crt', pki.intermediate.pem)],
        hkds: [],
        at: FACTORY_NOW,
      });
      assert.equal(r.chain.code === 'ERR_HKD_NO_SIGNING_KEY', !expected, r.chain.reason);
    });
  }
});
