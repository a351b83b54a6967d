// create → software UV → verify for 1, 2 and 255 HKDs, every add-data flag combination, user data of 0, 1,
// 16, 17 and 256 bytes, with and without nonce, and headers bare, in an image at 0x14000 and via 0xC000 metadata.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ADD_DATA_KINDS,
  computePhkh,
  coordsFromSpki,
  createAttestationRequest,
  equalBytes,
  expectedAddDataSize,
  p521PrivateKeyFromPem,
  parseExchangeRequest,
  performAttestation,
  systemContext,
  verifyAttestationResponse,
  type AddDataKind,
} from '../../main/engine/index.js';
import { vector, vectorText } from '../support/vectors.js';

const ctx = systemContext();
const hostA = { priv: p521PrivateKeyFromPem(vectorText('interop/keys/hostA.key')) };
const seHdr = vector('interop/keys/se.hdr');
const imagePlain = vector('interop/keys/se-image-plain.img');
const imageMeta = vector('interop/keys/se-image-meta.img');

function freshHostKey(): { priv: Uint8Array; coords: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    priv: p521PrivateKeyFromPem(pem),
    coords: coordsFromSpki(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))),
  };
}

/** The public key of one of the interop host keys, from its PEM private key. */
function coordsOfPem(name: string): Uint8Array {
  const pem = vectorText(`interop/keys/${name}.key`);
  return coordsFromSpki(new Uint8Array(createPublicKey(pem).export({ format: 'der', type: 'spki' })));
}

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 1 << items.length }, (_, mask) => items.filter((_, i) => (mask & (1 << i)) !== 0));
}

function roundTrip(params: {
  hostKeys: Uint8Array[];
  uvKeys: Uint8Array[];
  addData?: AddDataKind[];
  userData?: Uint8Array;
  nonce?: boolean;
  header?: Uint8Array;
}) {
  const req = createAttestationRequest({
    hostKeys: params.hostKeys,
    addData: params.addData ?? [],
    nonce: params.nonce ?? true,
    ctx,
  });
  const cuid = ctx.randomBytes(16);
  const response = performAttestation({
    request: req.exchange,
    hostPrivateKeys: params.uvKeys,
    seHeader: params.header ?? seHdr,
    cuid,
    userData: params.userData,
  });
  const result = verifyAttestationResponse({ response, arpk: req.arpk, seHeader: params.header ?? seHdr });
  return { req, cuid, response, result };
}

describe('round trips through the software Ultravisor', () => {
  const A = coordsOfPem('hostA');
  test('1 HKD, every add-data flag combination', () => {
    for (const addData of subsets(ADD_DATA_KINDS)) {
      const { req, cuid, result } = roundTrip({ hostKeys: [A], uvKeys: [hostA.priv], addData });
      assert.equal(result.verified, true, addData.join(','));
      assert.deepEqual(result.cuid, cuid);
      assert.equal(parseExchangeRequest(req.exchange).additionalSize, expectedAddDataSize(req.flags));
      assert.equal(result.additionalData?.length ?? 0, expectedAddDataSize(req.flags));
      assert.equal(result.additional?.imagePhkh !== undefined, addData.includes('phkh-img'));
      if (addData.includes('phkh-att')) assert.deepEqual(result.additional?.attestationPhkh, computePhkh(A));
    }
  });
  test('2 HKDs: the UV holding either key answers', () => {
    const B = freshHostKey();
    for (const uv of [hostA.priv, B.priv]) {
      const { result } = roundTrip({ hostKeys: [A, B.coords], uvKeys: [uv], addData: ['phkh-att'] });
      assert.equal(result.verified, true);
      assert.deepEqual(result.additional?.attestationPhkh, computePhkh(uv === hostA.priv ? A : B.coords));
      assert.equal(result.requestPhkhs.length, 2);
    }
  });
  test('255 HKDs in the given order; the UV holds the last one', () => {
    const keys = Array.from({ length: 254 }, () => freshHostKey());
    const coords = [...keys.map((k) => k.coords), A];
    const { req, result } = roundTrip({ hostKeys: coords, uvKeys: [hostA.priv], addData: ['phkh-att'] });
    assert.equal(result.verified, true);
    assert.equal(result.requestPhkhs.length, 255);
    assert.ok(req.phkhs.every((p, i) => equalBytes(p, computePhkh(coords[i] as Uint8Array))));
    assert.throws(() => createAttestationRequest({ hostKeys: [...coords, A], ctx }), {
      code: 'ERR_CREATE_TOO_MANY_HOST_KEYS',
    });
  });
  test('user data of 0, 1, 16, 17 and 256 bytes, with and without nonce', () => {
    for (const size of [0, 1, 16, 17, 256]) {
      for (const nonce of [true, false]) {
        const userData = size === 0 ? undefined : ctx.randomBytes(size);
        const { result, req } = roundTrip({
          hostKeys: [A],
          uvKeys: [hostA.priv],
          userData,
          nonce,
          addData: ['phkh-img'],
        });
        assert.equal(result.verified, true, `size ${size} nonce ${nonce}`);
        assert.deepEqual(result.userData, userData);
        assert.equal(result.nonce !== undefined, nonce);
        assert.equal((req.flags & (1n << 62n)) !== 0n, nonce);
      }
    }
  });
  test('headers given bare, inside an image at 0x14000, and via the 0xC000 metadata', () => {
    for (const header of [seHdr, imagePlain, imageMeta]) {
      const { result } = roundTrip({ hostKeys: [A], uvKeys: [hostA.priv], addData: ['phkh-img'], header });
      assert.equal(result.verified, true);
      assert.deepEqual(result.additional?.imagePhkh, computePhkh(A));
    }
  });
  test('a response verified against another guest image is a mismatch, not an error', () => {
    const { req, response } = roundTrip({ hostKeys: [A], uvKeys: [hostA.priv] });
    const other = seHdr.slice();
    other[0xe0] = (other[0xe0] ?? 0) ^ 1;
    const result = verifyAttestationResponse({ response, arpk: req.arpk, seHeader: other });
    assert.equal(result.verified, false);
  });
});
