/**
 * NIST P-521 (secp521r1) keys as SE attestation uses them (spec §1, §2.3): the 160-byte "EcPubKeyCoord"
 * encoding (X and Y each zero-padded to 80 bytes), ECDH returning the 66-byte X coordinate, and the PHKH.
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 80 | X, big-endian, left-padded with zeros (≥ 14 leading zero bytes) |
 * | 0x50 | 80 | Y, likewise |
 */
import { createECDH, createPrivateKey, createPublicKey, timingSafeEqual, type ECDH } from 'node:crypto';
import { AttestError } from '../../../shared/errors/index.js';
import { concatBytes, withSecret } from '../bytes.js';
import type { EngineContext } from './context.js';
import { sha256 } from './primitives.js';

export const P521_FIELD_SIZE = 66;
export const EC_COORD_SIZE = 80;
export const EC_PUB_KEY_COORD_SIZE = 160;
export const P521_SEC1_SIZE = 1 + 2 * P521_FIELD_SIZE;

/** A P-521 private scalar (66 bytes BE) with its public key in the 160-byte coordinate encoding. */
export interface P521KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicCoords: Uint8Array;
}

function ecdh() {
  return createECDH('secp521r1');
}

/**
 * The ECDH object that derived each key pair's public key, by the pair's `privateKey` array: ECDH with that
 * private key then skips setting it again, which costs a scalar multiplication (`create` with one HKD does one
 * key agreement right after generating the pair; ≈ 4 ms of its start-up, `npm run bench cli`). The object holds
 * the key no longer than the array it belongs to lives, and it is used only while the array still holds the key
 * it was made from (a wiped or changed array gets a fresh one).
 */
const agreements = new WeakMap<Uint8Array, ECDH>();

/** The ECDH object holding `scalar` (66 bytes): the one remembered for `key`, if it still matches, else a new one. */
function ecdhFor(key: Uint8Array, scalar: Uint8Array): ECDH {
  const known = agreements.get(key);
  if (known) {
    const held = withSecret(known.getPrivateKey(), (k) => normalizeP521Scalar(k.bytes));
    const same = withSecret(held, (h) => timingSafeEqual(h.bytes, scalar));
    if (same) return known;
  }
  const e = ecdh();
  e.setPrivateKey(scalar);
  return e;
}

/** Strips zero padding from a big-endian scalar and left-pads it to 66 bytes; throws when it is too large. */
export function normalizeP521Scalar(scalar: Uint8Array): Uint8Array {
  let start = 0;
  while (start < scalar.length - P521_FIELD_SIZE && scalar[start] === 0) start++;
  const body = scalar.subarray(start);
  if (body.length > P521_FIELD_SIZE)
    throw new AttestError('ERR_HOST_KEY_INVALID', 'P-521 private key does not fit 66 bytes');
  const out = new Uint8Array(P521_FIELD_SIZE);
  out.set(body, P521_FIELD_SIZE - body.length);
  return out;
}

/** The 160-byte coordinate encoding of an uncompressed SEC1 point (0x04 ‖ X66 ‖ Y66). */
export function coordsFromSec1(point: Uint8Array): Uint8Array {
  if (point.length !== P521_SEC1_SIZE || point[0] !== 0x04) {
    throw new AttestError('ERR_HOST_KEY_NOT_P521', 'not an uncompressed P-521 public key');
  }
  const out = new Uint8Array(EC_PUB_KEY_COORD_SIZE);
  out.set(point.subarray(1, 1 + P521_FIELD_SIZE), EC_COORD_SIZE - P521_FIELD_SIZE);
  out.set(point.subarray(1 + P521_FIELD_SIZE), 2 * EC_COORD_SIZE - P521_FIELD_SIZE);
  return out;
}

/** The uncompressed SEC1 point of a 160-byte coordinate encoding; throws when the padding is not zero. */
export function sec1FromCoords(coords: Uint8Array): Uint8Array {
  if (coords.length !== EC_PUB_KEY_COORD_SIZE) {
    throw new AttestError('ERR_HOST_KEY_INVALID', `EC coordinates must be 160 bytes, are ${coords.length}`);
  }
  const pad = EC_COORD_SIZE - P521_FIELD_SIZE;
  for (let i = 0; i < pad; i++) {
    if (coords[i] !== 0 || coords[EC_COORD_SIZE + i] !== 0) {
      throw new AttestError('ERR_HOST_KEY_NOT_P521', 'EC coordinates are not P-521 (padding is not zero)');
    }
  }
  return concatBytes(Uint8Array.of(4), coords.subarray(pad, EC_COORD_SIZE), coords.subarray(EC_COORD_SIZE + pad));
}

/** The key pair of a given private scalar (any zero padding accepted, e.g. the 80-byte `private_cust.bin`). */
export function p521KeyPairFromPrivate(privateKey: Uint8Array): P521KeyPair {
  const scalar = normalizeP521Scalar(privateKey);
  const e = ecdh();
  try {
    e.setPrivateKey(scalar);
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'not a valid P-521 private key');
  }
  agreements.set(scalar, e);
  return { privateKey: scalar, publicCoords: coordsFromSec1(new Uint8Array(e.getPublicKey())) };
}

/** A fresh key pair whose scalar is drawn from `ctx.randomBytes` (rejection sampling, 521-bit mask). */
export function generateP521KeyPair(ctx: EngineContext): P521KeyPair {
  for (let attempt = 0; attempt < 64; attempt++) {
    const candidate = ctx.randomBytes(P521_FIELD_SIZE);
    candidate[0] = (candidate[0] ?? 0) & 0x01;
    try {
      return p521KeyPairFromPrivate(candidate);
    } catch {
      // out of range (zero or ≥ n): draw again
    }
  }
  throw new AttestError('ERR_INPUT_INVALID', 'randomness source did not yield a valid P-521 scalar');
}

/** ECDH on P-521: the 66-byte X coordinate of privateKey · peer (spec §1, "Z"). */
export function p521Ecdh(privateKey: Uint8Array, peerCoords: Uint8Array): Uint8Array {
  let e: ECDH;
  try {
    e = withSecret(normalizeP521Scalar(privateKey), (scalar) => ecdhFor(privateKey, scalar.bytes));
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'not a valid P-521 private key');
  }
  let z: Buffer;
  try {
    z = e.computeSecret(sec1FromCoords(peerCoords));
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'public key is not a point on P-521');
  }
  return withSecret(z, (shared) => {
    const out = new Uint8Array(P521_FIELD_SIZE);
    out.set(shared.bytes, P521_FIELD_SIZE - shared.length);
    return out;
  });
}

/** Public host-key hash (spec §8.2): SHA-256 of the 160-byte coordinate encoding. */
export function computePhkh(publicCoords: Uint8Array): Uint8Array {
  if (publicCoords.length !== EC_PUB_KEY_COORD_SIZE) {
    throw new AttestError('ERR_HOST_KEY_INVALID', `EC coordinates must be 160 bytes, are ${publicCoords.length}`);
  }
  return sha256(publicCoords);
}

/** The 160-byte coordinates of a DER SubjectPublicKeyInfo holding a P-521 key; throws ERR_HOST_KEY_NOT_P521. */
export function coordsFromSpki(spkiDer: Uint8Array): Uint8Array {
  let jwk: { crv?: string; x?: string; y?: string; kty?: string };
  try {
    jwk = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }).export({
      format: 'jwk',
    }) as typeof jwk;
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'the public key cannot be read');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-521' || jwk.x === undefined || jwk.y === undefined) {
    throw new AttestError(
      'ERR_HOST_KEY_NOT_P521',
      `host key must be an EC P-521 key, is ${jwk.kty ?? '?'} ${jwk.crv ?? ''}`.trim(),
    );
  }
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const out = new Uint8Array(EC_PUB_KEY_COORD_SIZE);
  out.set(x, EC_COORD_SIZE - x.length);
  out.set(y, EC_PUB_KEY_COORD_SIZE - y.length);
  return out;
}

/** The 66-byte private scalar of a P-521 private key in PEM (PKCS#8 or SEC1 "EC PRIVATE KEY"). */
export function p521PrivateKeyFromPem(pem: string): Uint8Array {
  let jwk: { crv?: string; d?: string };
  try {
    jwk = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'jwk' }) as typeof jwk;
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'not a readable private key');
  }
  if (jwk.crv !== 'P-521' || jwk.d === undefined)
    throw new AttestError('ERR_HOST_KEY_NOT_P521', 'private key is not an EC P-521 key');
  return normalizeP521Scalar(new Uint8Array(Buffer.from(jwk.d, 'base64url')));
}
