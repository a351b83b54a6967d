/**
 * Garbage and hostile input: empty, random, truncated DER, malformed PEM, 50 MB, a looping chain and a CRL
 * with 100k entries → coded errors (or correct verdicts) in bounded time.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createHkdVerifier,
  encodeCrlPem,
  readCrls,
  verifyHostKeyDocuments,
  type NamedBytes,
} from '../../../main/engine/pki/hkd-verifier.js';
import {
  generateSigningKeyPair,
  ibmName,
  issueCertificate,
  randomSerial,
  reissueCrlWithSerials,
} from '../../../main/engine/pki/demo-pki.js';
import { FACTORY_NOW, createFakeIbmPkiForTest, factoryContext, scenarioFromPki } from '../../support/pki-factory.js';
import { parseCrl } from '../../../main/engine/pki/x509.js';

const DIR = fileURLToPath(new URL('../../vectors/s390-tools/rust/pv/tests/assets/cert/', import.meta.url));
const fx = (name: string): NamedBytes => ({ name, bytes: new Uint8Array(readFileSync(DIR + name)) });
const STD = {
  certs: [fx('ibm.crt'), fx('inter_ca.crt')],
  crls: [fx('ibm.crl'), fx('inter_ca.crl')],
  rootCa: fx('root_ca.chained.crt'),
  offline: true,
  at: FACTORY_NOW,
};

/** Deterministic pseudo-random bytes (SHA-256 counter mode). */
function prng(seed: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0, c = 0; i < size; c++) {
    const block = createHash('sha256').update(`${seed}:${c}`).digest();
    out.set(block.subarray(0, Math.min(32, size - i)), i);
    i += 32;
  }
  return out;
}

/** The DER of a PEM fixture's first block. */
function derOf(name: string): Uint8Array {
  const text = readFileSync(DIR + name, 'latin1');
  const b64 = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END/.exec(text)![1]!.replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

describe('hostile HKD files', async () => {
  const verifier = await createHkdVerifier(STD);
  const code = async (bytes: Uint8Array) => (await verifier.verify(bytes, 'x.crt')).code;
  test('empty, text, CRL-only → ERR_HKD_EMPTY', async () => {
    assert.equal(await code(new Uint8Array(0)), 'ERR_HKD_EMPTY');
    assert.equal(await code(new TextEncoder().encode('hello world\n')), 'ERR_HKD_EMPTY');
    assert.equal(await code(fx('ibm.crl').bytes), 'ERR_HKD_EMPTY');
  });
  test('random bytes → a coded parse error', async () => {
    for (let i = 0; i < 50; i++) {
      const bytes = prng(`r${i}`, 1 + ((i * 97) % 3000));
      const c = await code(bytes);
      assert.ok(c === 'ERR_HKD_EMPTY' || c === 'ERR_HKD_NOT_PEM_OR_DER', `${i}: ${c}`);
    }
    const looksDer = prng('d', 500);
    looksDer[0] = 0x30;
    assert.equal(await code(looksDer), 'ERR_HKD_NOT_PEM_OR_DER');
  });
  test('truncated DER at every 37th length → ERR_HKD_NOT_PEM_OR_DER', async () => {
    const der = derOf('host.crt');
    for (let n = 1; n < der.length; n += 37)
      assert.equal(await code(der.subarray(0, n)), 'ERR_HKD_NOT_PEM_OR_DER', `length ${n}`);
    const longLen = new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]);
    assert.equal(await code(longLen), 'ERR_HKD_NOT_PEM_OR_DER');
  });
  test('malformed PEM → ERR_HKD_NOT_PEM_OR_DER', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.equal(
      await code(enc('-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n')),
      'ERR_HKD_NOT_PEM_OR_DER',
    );
    assert.equal(await code(enc('-----BEGIN CERTIFICATE-----\nMIIBAAAA\n')), 'ERR_HKD_NOT_PEM_OR_DER');
    assert.equal(
      await code(enc('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')),
      'ERR_HKD_NOT_PEM_OR_DER',
    );
  });
  test('a PEM file with several certificates uses the first', async () => {
    const both = new Uint8Array([...fx('host.crt').bytes, ...fx('host_rev.crt').bytes]);
    const r = await verifier.verify(both, 'two.crt');
    assert.equal(r.verified, true);
    assert.ok(r.steps.some((s) => s.check === 'parse' && /more than one certificate/.test(s.detail)));
  });
  test('50 MB input fails with ERR_PKI_INPUT_TOO_LARGE before any parsing', { timeout: 60_000 }, async () => {
    const big = new Uint8Array(50 * 1024 * 1024);
    assert.equal(await code(big), 'ERR_PKI_INPUT_TOO_LARGE');
    const r = await verifyHostKeyDocuments({
      ...STD,
      crls: [...STD.crls, { name: 'big.crl', bytes: big }],
      hkds: [fx('host.crt')],
    });
    assert.equal(r.chain.code, 'ERR_PKI_INPUT_TOO_LARGE');
    assert.equal(r.chain.steps.length, 1, 'the size check comes first: nothing was loaded');
  });
});

describe('hostile chain inputs', () => {
  test('malformed PEM in a certificate file → ERR_PKI_CERT_MALFORMED', async () => {
    const r = await verifyHostKeyDocuments({
      ...STD,
      certs: [
        ...STD.certs,
        {
          name: 'bad.crt',
          bytes: new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
        },
      ],
      hkds: [fx('host.crt')],
    });
    assert.equal(r.chain.code, 'ERR_PKI_CERT_MALFORMED');
    assert.equal(r.hkds[0]!.code, 'ERR_PKI_CERT_MALFORMED');
  });
  test('a garbage --crl file → ERR_PKI_LOAD_CRL; garbage --root-ca → ERR_PKI_LOAD_ROOT', async () => {
    const junk = { name: 'junk', bytes: prng('junk', 4096) };
    assert.equal((await verifyHostKeyDocuments({ ...STD, crls: [junk], hkds: [] })).chain.code, 'ERR_PKI_LOAD_CRL');
    assert.equal((await verifyHostKeyDocuments({ ...STD, rootCa: junk, hkds: [] })).chain.code, 'ERR_PKI_LOAD_ROOT');
  });
  test('a certificate chain that loops terminates with ERR_CHAIN_NO_ISSUER', { timeout: 120_000 }, async () => {
    const pki = await createFakeIbmPkiForTest();
    const ctx = factoryContext();
    const [ka, kb] = await Promise.all([generateSigningKeyPair('ecdsa-p384'), generateSigningKeyPair('ecdsa-p384')]);
    const nameA = ibmName('Loop CA A');
    const nameB = ibmName('Loop CA B');
    const skidOf = async (kp: typeof ka, name: typeof nameA) =>
      (
        await issueCertificate({
          role: 'ca',
          subject: name,
          keyPair: kp,
          serial: randomSerial(ctx),
          notBefore: pki.notBefore,
          notAfter: pki.notAfter,
        })
      ).keyId;
    const idA = await skidOf(ka, nameA);
    const idB = await skidOf(kb, nameB);
    const a = await issueCertificate({
      role: 'ca',
      subject: nameA,
      keyPair: ka,
      issuer: { name: nameB, keyPair: kb, keyId: idB },
      serial: randomSerial(ctx),
      notBefore: pki.notBefore,
      notAfter: pki.notAfter,
    });
    const b = await issueCertificate({
      role: 'ca',
      subject: nameB,
      keyPair: kb,
      issuer: { name: nameA, keyPair: ka, keyId: idA },
      serial: randomSerial(ctx),
      notBefore: pki.notBefore,
      notAfter: pki.notAfter,
    });
    const sk = await issueCertificate({
      role: 'signing-key',
      subject: pki.signingKey.name,
      keyPair: pki.signingKey.keyPair,
      issuer: a,
      serial: randomSerial(ctx),
      notBefore: pki.notBefore,
      notAfter: pki.notAfter,
    });
    const enc = (s: string) => new TextEncoder().encode(s);
    const copies: NamedBytes[] = [];
    for (let i = 0; i < 50; i++)
      copies.push({ name: `a${i}.crt`, bytes: enc(a.pem) }, { name: `b${i}.crt`, bytes: enc(b.pem) });
    const r = await verifyHostKeyDocuments({
      ...scenarioFromPki(pki),
      certs: [{ name: 'sk.crt', bytes: enc(sk.pem) }, ...copies],
    });
    assert.equal(r.chain.code, 'ERR_CHAIN_NO_ISSUER');
    assert.equal(r.chain.depth, 2);
  });
  test(
    'a CRL with 100k entries: parsed, indexed and looked up (speed: `npm run bench pki`)',
    { timeout: 300_000 },
    async () => {
      const pki = await createFakeIbmPkiForTest();
      const s = scenarioFromPki(pki);
      const serials: string[] = [];
      for (let i = 0; i < 100_000; i++) serials.push(`10${i.toString(16).padStart(14, '0')}`);
      const keepHkd = reissueCrlWithSerials({ template: pki.signingKeyCrl, signer: pki.signingKey.keyPair, serials });
      const revokeHkd = reissueCrlWithSerials({
        template: pki.signingKeyCrl,
        signer: pki.signingKey.keyPair,
        serials: [...serials, pki.hkds[0]!.serial],
      });
      assert.ok(keepHkd.der.length > 2_000_000);
      const parsed = parseCrl(keepHkd.der);
      assert.equal(parsed.revoked.size, 100_000);
      assert.equal(readCrls(new TextEncoder().encode(encodeCrlPem(keepHkd.der))).length, 1);
      const ok = await verifyHostKeyDocuments({
        ...s,
        crls: [{ name: 'big.crl', bytes: keepHkd.der }, ...(s.crls ?? []).slice(1)],
      });
      assert.equal(ok.verified, true, ok.hkds[0]!.reason);
      const rev = await verifyHostKeyDocuments({
        ...s,
        crls: [{ name: 'big.crl', bytes: revokeHkd.der }, ...(s.crls ?? []).slice(1)],
      });
      assert.equal(rev.hkds[0]!.code, 'ERR_HKD_REVOKED');
    },
  );
});

describe('PEM labels', () => {
  test('bare CRL label accepted on input; X509 CRL written on output', () => {
    const der = derOf('ibm.crl');
    const bare = `-----BEGIN CRL-----\n${Buffer.from(der).toString('base64')}\n-----END CRL-----\n`;
    assert.equal(readCrls(new TextEncoder().encode(bare)).length, 1);
    const pem = encodeCrlPem(der);
    assert.match(pem, /^-----BEGIN X509 CRL-----\n/);
    assert.match(pem, /\n-----END X509 CRL-----\n$/);
    assert.equal(readFileSync(DIR + 'ibm.crl', 'latin1').replace(/\r/g, ''), pem);
  });
});
