/**
 * Issue 13 ("One X.509 stack"): certificates and CRLs are read by @peculiar/x509's schemas (@peculiar/asn1-x509)
 * and signatures are checked over the bytes as they were signed, not over a re-encoding; ASN.1 parsing is bounded;
 * one PEM scanner and one reader for every bad input (issue 12: empty, huge, garbage) with a coded error.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { concatBytes, equalBytes } from '../../../main/engine/bytes.js';
import {
  TAG_SEQUENCE,
  encodeTlv,
  encodingOf,
  readChildren,
  readElement,
  readTop,
} from '../../../main/engine/pki/der.js';
import { verifyHostKeyDocuments } from '../../../main/engine/pki/hkd-verifier.js';
import { readHostKeyDocument } from '../../../main/engine/pki/host-key-document.js';
import { encodePem } from '../../../main/engine/pki/pem.js';
import { readCertificates, readCrls, readHkdFile } from '../../../main/engine/pki/pki-files.js';
import { verifySignature } from '../../../main/engine/pki/signature.js';
import { MAX_PKI_INPUT_SIZE, parseCertificate, parseCrl } from '../../../main/engine/pki/x509.js';
import { parseTrustFile } from '../../../main/services/trust.js';
import { isAttestError, type ErrorCode } from '../../../shared/errors/index.js';
import { createFakeIbmPkiForTest, scenarioFromPki } from '../../support/pki-factory.js';

const CODE = 'ERR_PKI_CERT_MALFORMED';
const SKID_OID = Uint8Array.from([0x06, 0x03, 0x55, 0x1d, 0x0e]);

/**
 * The certificate re-encoded with an explicit `critical BOOLEAN FALSE` in its SKID extension (a DEFAULT value, which
 * DER omits) and signed again over exactly those bytes: valid, but a re-encoding drops the three bytes.
 */
function withExplicitDefault(der: Uint8Array, signer: KeyObject, hash: string): { der: Uint8Array; tbs: Uint8Array } {
  const [tbsEl, algEl] = readChildren(readTop(der, CODE), CODE);
  const parts = readChildren(tbsEl!, CODE).map((el) => {
    if (el.tag !== 0xa3) return encodingOf(el);
    const exts = readElement(el.bytes, el.start, el.end, CODE);
    const rebuilt = readChildren(exts, CODE).map((ext) => {
      const [oid, value] = readChildren(ext, CODE);
      if (!equalBytes(encodingOf(oid!), SKID_OID)) return encodingOf(ext);
      return encodeTlv(
        TAG_SEQUENCE,
        concatBytes(encodingOf(oid!), Uint8Array.from([0x01, 0x01, 0x00]), encodingOf(value!)),
      );
    });
    return encodeTlv(0xa3, encodeTlv(TAG_SEQUENCE, concatBytes(...rebuilt)));
  });
  const tbs = encodeTlv(TAG_SEQUENCE, concatBytes(...parts));
  const signature = new Uint8Array(sign(hash, tbs, { key: signer, dsaEncoding: 'der' }));
  const out = encodeTlv(
    TAG_SEQUENCE,
    concatBytes(tbs, encodingOf(algEl!), encodeTlv(0x03, concatBytes(Uint8Array.of(0), signature))),
  );
  return { der: out, tbs };
}

describe('signatures over the signed bytes (issue 13)', async () => {
  const pki = await createFakeIbmPkiForTest();
  const signer = KeyObject.from(pki.signingKey.keyPair.keys.privateKey);
  const odd = withExplicitDefault(pki.hkds[0]!.der, signer, 'sha384');

  test('the TBS bytes the schemas keep are the input bytes, and a re-encoding differs', () => {
    const parsed = parseCertificate(odd.der);
    assert.ok(equalBytes(parsed.tbs, odd.tbs), 'exact TBS slice of the input');
    const reencoded = new Uint8Array(AsnConvert.serialize(AsnConvert.parse(odd.der, Certificate).tbsCertificate));
    assert.equal(reencoded.length, odd.tbs.length - 3, 'DER drops the explicit DEFAULT');
    const key = KeyObject.from(pki.signingKey.keyPair.keys.publicKey);
    assert.equal(verifySignature(parsed.signatureAlgorithm, parsed.tbs, parsed.signature, key), true);
    assert.equal(verifySignature(parsed.signatureAlgorithm, reencoded, parsed.signature, key), false);
  });

  test('such an HKD verifies end to end (a verifier that re-encoded would call it forged)', async () => {
    const r = await verifyHostKeyDocuments({
      ...scenarioFromPki(pki),
      hkds: [{ name: 'odd.crt', bytes: new TextEncoder().encode(encodePem('CERTIFICATE', odd.der)) }],
    });
    assert.equal(r.hkds[0]!.verified, true, r.hkds[0]!.reason);
  });

  test('every fixture certificate and CRL: TBS is the exact slice of the DER', () => {
    const dir = fileURLToPath(new URL('../../vectors/s390-tools/rust/pv/tests/assets/cert/', import.meta.url));
    let certs = 0;
    let crls = 0;
    for (const name of readdirSync(dir).filter((n) => /\.(crt|crl)$/.test(n))) {
      const bytes = new Uint8Array(readFileSync(join(dir, name)));
      for (const c of [...readCertificates(bytes), ...readCrls(bytes)]) {
        const [tbsEl] = readChildren(readTop(c.der, CODE), CODE);
        assert.ok(equalBytes(c.tbs, encodingOf(tbsEl!)), name);
        if ('serial' in c) certs++;
        else crls++;
      }
    }
    assert.ok(certs >= 20 && crls >= 15, `${certs} certificates, ${crls} CRLs`);
  });
});

describe('bounded ASN.1 parsing of hostile input', () => {
  test('5,000-deep nesting: a coded error, no stack overflow', () => {
    let nested: Uint8Array = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 5000; i++) nested = encodeTlv(TAG_SEQUENCE, nested);
    assert.throws(
      () => parseCertificate(nested),
      (e: unknown) => isAttestError(e, CODE),
    );
    assert.throws(
      () => parseCrl(nested),
      (e: unknown) => isAttestError(e, 'ERR_PKI_LOAD_CRL'),
    );
    assert.throws(
      () => readHkdFile('deep.crt', nested),
      (e: unknown) => isAttestError(e, 'ERR_HKD_NOT_PEM_OR_DER'),
    );
  });
  test('a certificate-shaped SEQUENCE of 50,000 elements: a coded error', () => {
    const many = encodeTlv(
      TAG_SEQUENCE,
      new Uint8Array(100_000).map((_, i) => (i % 2 === 0 ? 0x05 : 0x00)),
    );
    assert.throws(
      () => parseCertificate(many),
      (e: unknown) => isAttestError(e, CODE),
    );
  });
});

describe('bad input to every pki reader gets a coded error (issue 12)', () => {
  const empty = new Uint8Array(0);
  const garbage = new TextEncoder().encode('not a certificate\n\x00\x01\x02');
  const huge = new Uint8Array(MAX_PKI_INPUT_SIZE + 1);
  const brokenPem = new TextEncoder().encode('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n');
  const is = (code: ErrorCode) => (e: unknown) => isAttestError(e, code);
  test('HKD files: empty/garbage → ERR_HKD_EMPTY, broken PEM → ERR_HKD_NOT_PEM_OR_DER, huge → ERR_PKI_INPUT_TOO_LARGE', () => {
    assert.throws(() => readHkdFile('e', empty), is('ERR_HKD_EMPTY'));
    assert.throws(() => readHkdFile('g', garbage), is('ERR_HKD_EMPTY'));
    assert.throws(() => readHkdFile('b', brokenPem), is('ERR_HKD_NOT_PEM_OR_DER'));
    assert.throws(() => readHkdFile('h', huge), is('ERR_PKI_INPUT_TOO_LARGE'));
  });
  test('readHostKeyDocument: ERR_HOST_KEY_INVALID or ERR_INPUT_TOO_LARGE', () => {
    for (const b of [empty, garbage, brokenPem])
      assert.throws(() => readHostKeyDocument(b), is('ERR_HOST_KEY_INVALID'));
    assert.throws(() => readHostKeyDocument(huge), is('ERR_INPUT_TOO_LARGE'));
  });
  test('certificate and CRL files: none found is an empty list (spec §3.2), broken PEM and huge files are coded', () => {
    assert.deepEqual(readCertificates(empty), []);
    assert.deepEqual(readCertificates(garbage), []);
    assert.deepEqual(readCrls(empty), []);
    assert.deepEqual(readCrls(garbage), []);
    assert.deepEqual(readCrls(huge), []);
    assert.throws(() => readCertificates(brokenPem), is('ERR_PKI_CERT_MALFORMED'));
    assert.throws(() => readCertificates(huge), is('ERR_PKI_INPUT_TOO_LARGE'));
  });
  test('trust import: ERR_STORE_TRUST_UNRECOGNIZED or ERR_INPUT_TOO_LARGE', () => {
    for (const b of [empty, garbage, brokenPem, Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)])
      assert.throws(() => parseTrustFile(b, 'x'), is('ERR_STORE_TRUST_UNRECOGNIZED'));
    assert.throws(() => parseTrustFile(huge, 'x'), is('ERR_INPUT_TOO_LARGE'));
  });
});

describe('one PEM scanner (issue 13)', () => {
  test('no module in main/ or shared/ but main/engine/pki/pem.ts reads PEM blocks', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    // guest-repository refuses key material pasted as an identity reference: a detector, not a reader
    const allowed = new Set(['main/engine/pki/pem.ts', 'main/store/guest-repository.ts']);
    const offenders: string[] = [];
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(root, rel))) {
        const path = `${rel}/${name}`;
        if (statSync(join(root, path)).isDirectory()) walk(path);
        else if (
          /\.tsx?$/.test(name) &&
          !allowed.has(path) &&
          readFileSync(join(root, path), 'utf8').includes('-----BEGIN')
        )
          offenders.push(path);
      }
    };
    walk('main');
    walk('shared');
    assert.deepEqual(offenders, []);
  });
});
