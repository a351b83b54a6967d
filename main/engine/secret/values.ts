/**
 * The secrets `pvsecret create` builds (spec add-secret §3.2): meta, association, retrievable (plaintext, AES,
 * AES-XTS, HMAC-SHA, EC private keys) and update-CCK, each with its type, ID and the value bytes that go into
 * the encrypted area. Values are secrets: callers wipe them after use, and no message ever contains them.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { AttestError } from '../../../shared/errors/index.js';
import { withSecret } from '../bytes.js';
import { SECRET_TYPE_META } from '../formats/asrcb.js';
import {
  MAX_PLAINTEXT_LENGTH,
  MAX_PLAINTEXT_PAYLOAD,
  PLAINTEXT_BLOCK,
  SECRET_TYPE_ASSOCIATION,
  SECRET_TYPE_PLAINTEXT,
  SECRET_TYPE_UPDATE_CCK,
  type RetrievableType,
  type SecretKind,
} from './kinds.js';
import { secretIdFromName } from './secret-id.js';

export const ASSOCIATION_SECRET_SIZE = 32;
export const CCK_SIZE = 32;

/** A secret ready for a request. `value` is secret material. */
export interface GuestSecret {
  readonly kind: SecretKind;
  readonly type: number;
  /** The name given on the command line (association and retrievable). */
  readonly name?: string;
  /** The 32-byte ID (association and retrievable). */
  readonly id?: Uint8Array;
  /** The value as encoded in the request (L bytes). */
  readonly value: Uint8Array;
}

/** A meta secret: no value, no ID; a carrier for flags. */
export function metaSecret(): GuestSecret {
  return { kind: 'meta', type: SECRET_TYPE_META, value: new Uint8Array(0) };
}

/** An association secret of exactly 32 bytes; throws ERR_SECRET_ASSOCIATION_SIZE. */
export function associationSecret(name: string, value: Uint8Array, useName = false): GuestSecret {
  if (value.length !== ASSOCIATION_SECRET_SIZE)
    throw new AttestError('ERR_SECRET_ASSOCIATION_SIZE', 'Association secret must be exactly 32 bytes long');
  return {
    kind: 'association',
    type: SECRET_TYPE_ASSOCIATION,
    name,
    id: secretIdFromName(name, useName),
    value: value.slice(),
  };
}

/** An update-CCK secret: the new 32-byte CCK; throws ERR_SECRET_CCK_SIZE. */
export function updateCckSecret(cck: Uint8Array): GuestSecret {
  if (cck.length !== CCK_SIZE) throw new AttestError('ERR_SECRET_CCK_SIZE', 'CCK file must be exactly 32 bytes long');
  return { kind: 'update-cck', type: SECRET_TYPE_UPDATE_CCK, value: cck.slice() };
}

/** A plaintext value: u16 BE length ‖ payload ‖ zeros to the next multiple of 16. */
export function encodePlaintext(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PLAINTEXT_PAYLOAD) keySize('PLAINTEXT', payload.length, `less than ${MAX_PLAINTEXT_LENGTH}`);
  const size = Math.ceil((payload.length + 2) / PLAINTEXT_BLOCK) * PLAINTEXT_BLOCK;
  const out = new Uint8Array(size);
  out[0] = payload.length >>> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, 2);
  return out;
}

function keySize(kind: string, is: number, expected: string): never {
  throw new AttestError('ERR_SECRET_KEY_SIZE', `Incorrect key size for a ${kind}. Is: ${is}; expected: ${expected}`, {
    kind,
    is,
  });
}

const EC_CURVES: Record<string, { type: number; size: number }> = {
  'P-256': { type: 0x0011, size: 32 },
  'P-384': { type: 0x0012, size: 48 },
  'P-521': { type: 0x0013, size: 80 },
  Ed25519: { type: 0x0014, size: 32 },
  Ed448: { type: 0x0015, size: 64 },
};
const CURVE_NAMES: Record<string, string> = { prime256v1: 'secp256r1', 'P-256': 'secp256r1', 'P-384': 'secp384r1' };

/** Reads a private key as IBM does: DER first (PKCS#8, SEC1, PKCS#1), then PEM; undefined when neither works. */
export function readPrivateKey(bytes: Uint8Array): KeyObject | undefined {
  const buf = Buffer.from(bytes);
  const attempts = [
    { key: buf, format: 'der', type: 'pkcs8' },
    { key: buf, format: 'der', type: 'sec1' },
    { key: buf, format: 'der', type: 'pkcs1' },
    { key: buf, format: 'pem' },
  ] as const;
  for (const a of attempts) {
    try {
      return createPrivateKey(a);
    } catch {
      // next form
    }
  }
  return undefined;
}

function ecValue(bytes: Uint8Array, fileName: string): { type: number; value: Uint8Array } {
  const key = readPrivateKey(bytes);
  if (!key || (key.asymmetricKeyType !== 'ec' && !['ed25519', 'ed448'].includes(key.asymmetricKeyType ?? ''))) {
    if (key) wrongCurve(key.asymmetricKeyType?.toUpperCase() ?? 'unknown');
    throw new AttestError('ERR_SECRET_EC_KEY_UNREADABLE', `Cannot read ${fileName} as EC PRIVATE KEY from PEM or DER`, {
      path: fileName,
    });
  }
  let jwk: { crv?: string; d?: string };
  try {
    jwk = key.export({ format: 'jwk' }) as typeof jwk;
  } catch {
    wrongCurve(key.asymmetricKeyDetails?.namedCurve ?? 'unknown');
  }
  const curve = jwk.crv !== undefined ? EC_CURVES[jwk.crv] : undefined;
  if (!curve || jwk.d === undefined) wrongCurve(jwk.crv ?? key.asymmetricKeyDetails?.namedCurve ?? 'unknown');
  const value = new Uint8Array(curve.size);
  withSecret(new Uint8Array(Buffer.from(jwk.d, 'base64url')), (d) => value.set(d.bytes, curve.size - d.length));
  return { type: curve.type, value };
}

function wrongCurve(is: string): never {
  throw new AttestError(
    'ERR_SECRET_EC_CURVE',
    `Incorrect curve or format for a EC-PRIVATE-KEY. Is: ${CURVE_NAMES[is] ?? is}; expected: secp256r1, secp384r1, secp521r1, ed25519, or ed448`,
    { is },
  );
}

/** Parameters of `retrievableSecret`. */
export interface RetrievableSecretParams {
  readonly name: string;
  readonly type: RetrievableType;
  /** The `--secret` file's bytes. */
  readonly input: Uint8Array;
  /** How the file is named in messages (`--secret` as given). */
  readonly inputName: string;
  readonly useName?: boolean;
}

/**
 * A retrievable secret from the `--secret` file: plaintext, AES (16/24/32 bytes), AES-XTS (32/64), HMAC-SHA
 * (64/128, the FIPS 198-1 K0) or an EC private key (P-256/384/521, Ed25519, Ed448). Throws ERR_SECRET_KEY_SIZE,
 * ERR_SECRET_EC_CURVE, ERR_SECRET_EC_KEY_UNREADABLE or ERR_SECRET_TYPE_UNKNOWN with IBM's texts.
 */
export function retrievableSecret(p: RetrievableSecretParams): GuestSecret {
  const id = secretIdFromName(p.name, p.useName === true);
  const make = (type: number, value: Uint8Array): GuestSecret => ({
    kind: 'retrievable',
    type,
    name: p.name,
    id,
    value,
  });
  const bits = p.input.length * 8;
  switch (p.type) {
    case 'plain':
      return make(SECRET_TYPE_PLAINTEXT, encodePlaintext(p.input));
    case 'aes': {
      const type = { 128: 0x0004, 192: 0x0005, 256: 0x0006 }[bits];
      if (type === undefined) keySize('AES-KEY', bits, '128, 192, or 256');
      return make(type, p.input.slice());
    }
    case 'aes-xts': {
      const type = { 128: 0x0007, 256: 0x0008 }[bits / 2];
      if (type === undefined) keySize('AES-XTS-KEY', bits / 2, '128 or 256');
      return make(type, p.input.slice());
    }
    case 'hmac-sha': {
      const type = { 256: 0x0009, 512: 0x000a }[bits / 2];
      if (type === undefined) keySize('HMAC-SHA-KEY', bits / 2, '256 or 512');
      return make(type, p.input.slice());
    }
    case 'ec': {
      const ec = ecValue(p.input, p.inputName);
      return make(ec.type, ec.value);
    }
    default:
      throw new AttestError(
        'ERR_SECRET_TYPE_UNKNOWN',
        `invalid value '${String(p.type)}' for '--type <TYPE>' [possible values: plain, aes, aes-xts, hmac-sha, ec]`,
      );
  }
}
