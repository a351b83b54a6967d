/**
 * User data of an add-secret request and its signature (spec add-secret §4): the 512-byte block at 0x218 and the
 * marker at 0x06. Not architected: the Ultravisor ignores it, but the request tag protects it.
 *
 * | Marker | Type | Data | Block layout |
 * |---|---|---|---|
 * | 0 | none | 0 | zeros |
 * | 1 | unsigned | ≤ 512 | data, zero-padded |
 * | 2 | ECDSA P-521 | ≤ 256 | data (256) · DER signature (139) · 5 reserved · u16 signature length at 0x190 · 110 reserved |
 * | 3 | RSA-2048 | ≤ 256 | data (256) · signature (256) |
 * | 4 | RSA-3072 | ≤ 128 | data (128) · signature (384) |
 *
 * Signatures are SHA-512 over request bytes 0 .. rql−16 with the signature area zeroed: ECDSA (DER) or RSA-PSS
 * (MGF1-SHA-512, maximum salt when signing, any salt when verifying).
 */
import { constants, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { AttestError } from '../../../shared/errors/index.js';
import { viewOf } from '../bytes.js';
import { sha256 } from '../crypto/primitives.js';
import { ASRCB_USER_DATA_SIZE, USER_DATA_TYPES, type UserDataType } from '../formats/asrcb.js';

/** Largest data part per marker. */
export const USER_DATA_MAX_SIZE: Readonly<Record<UserDataType, number>> = { 0: 0, 1: 512, 2: 256, 3: 256, 4: 128 };
/** IBM's display of each marker in messages. */
export const USER_DATA_TYPE_NAMES: Readonly<Record<UserDataType, string>> = {
  0: 'None',
  1: 'unsigned',
  2: 'ECDSA signed',
  3: 'RSA 2048 signed',
  4: 'RSA 3072 signed',
};
export const EC_SIGNATURE_MAX_SIZE = 139;
const EC_SIGNATURE_LENGTH_OFFSET = 0x190;

function isP521(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp521r1';
}

function rsaBytes(key: KeyObject): number | undefined {
  return key.asymmetricKeyType === 'rsa' ? (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8 : undefined;
}

/** The marker a signing (or verification) key gives, or undefined for an unsupported key. */
export function userDataTypeOfKey(key: KeyObject): UserDataType | undefined {
  if (isP521(key)) return USER_DATA_TYPES.ecdsaP521;
  const n = rsaBytes(key);
  if (n === 256) return USER_DATA_TYPES.rsa2048;
  if (n === 384) return USER_DATA_TYPES.rsa3072;
  return undefined;
}

/** How IBM names a key's type in messages: `EC`, `RSA 2048`, `RSA 3072` or `Unknown`. */
export function keyTypeName(key: KeyObject): string {
  switch (userDataTypeOfKey(key)) {
    case USER_DATA_TYPES.ecdsaP521:
      return 'EC';
    case USER_DATA_TYPES.rsa2048:
      return 'RSA 2048';
    case USER_DATA_TYPES.rsa3072:
      return 'RSA 3072';
    default:
      return 'Unknown';
  }
}

/** The marker for a signing key; throws ERR_SECRET_SIGNING_KEY_UNSUPPORTED for anything but P-521, RSA 2048/3072. */
export function signingUserDataType(key: KeyObject): UserDataType {
  const t = userDataTypeOfKey(key);
  if (t === undefined)
    throw new AttestError(
      'ERR_SECRET_SIGNING_KEY_UNSUPPORTED',
      'Unsupported user data signing key provided. Only EC(secp521r1) and RSA(2048 & 3072 bit) are supported',
    );
  return t;
}

/** The 512-byte block holding `data` for marker `type` (signature area zero); throws ERR_SECRET_USER_DATA_SIZE. */
export function encodeUserDataBlock(type: UserDataType, data: Uint8Array): Uint8Array {
  const block = new Uint8Array(ASRCB_USER_DATA_SIZE);
  if (type === USER_DATA_TYPES.none) return block;
  const max = USER_DATA_MAX_SIZE[type];
  if (data.length > max)
    throw new AttestError(
      'ERR_SECRET_USER_DATA_SIZE',
      `Invalid ${USER_DATA_TYPE_NAMES[type]} user-data for signing provided. Max ${max} bytes allowed`,
      { size: data.length, max },
    );
  block.set(data, 0);
  return block;
}

/** Zeroes the signature area [max .. 512) of a block (in place). */
export function clearSignatureArea(block: Uint8Array, type: UserDataType): void {
  if (type >= USER_DATA_TYPES.ecdsaP521) block.fill(0, USER_DATA_MAX_SIZE[type]);
}

/** Signs `message` (request bytes 0 .. rql−16 with the signature area zeroed) for marker `type`. */
export function signUserData(type: UserDataType, key: KeyObject, message: Uint8Array): Uint8Array {
  if (type === USER_DATA_TYPES.ecdsaP521)
    return new Uint8Array(cryptoSign('sha512', message, { key, dsaEncoding: 'der' }));
  return new Uint8Array(
    cryptoSign('sha512', message, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
    }),
  );
}

/** Writes a signature into a block (in place): EC with its length field at 0x190, RSA right after the data. */
export function writeUserDataSignature(block: Uint8Array, type: UserDataType, signature: Uint8Array): void {
  const at = USER_DATA_MAX_SIZE[type];
  if (type === USER_DATA_TYPES.ecdsaP521) {
    if (signature.length > EC_SIGNATURE_MAX_SIZE)
      throw new AttestError('ERR_INPUT_INVALID', 'ECDSA signature longer than 139 bytes');
    block.set(signature, at);
    viewOf(block).setUint16(EC_SIGNATURE_LENGTH_OFFSET, signature.length, false);
    return;
  }
  block.set(signature, at);
}

/** The signature stored in a block (EC: by its length field), or undefined when the length is impossible. */
export function readUserDataSignature(block: Uint8Array, type: UserDataType, key: KeyObject): Uint8Array | undefined {
  const at = USER_DATA_MAX_SIZE[type];
  if (type === USER_DATA_TYPES.ecdsaP521) {
    const len = viewOf(block).getUint16(EC_SIGNATURE_LENGTH_OFFSET, false);
    return len > EC_SIGNATURE_MAX_SIZE ? undefined : block.slice(at, at + len);
  }
  const n = rsaBytes(key) ?? 0;
  return block.slice(at, at + n);
}

/** Verifies a user-data signature over `message` (signature area zeroed) with `key`; false on any mismatch. */
export function verifyUserDataSignature(
  type: UserDataType,
  key: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    if (type === USER_DATA_TYPES.ecdsaP521)
      return cryptoVerify('sha512', message, { key, dsaEncoding: 'der' }, signature);
    return cryptoVerify(
      'sha512',
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
      signature,
    );
  } catch {
    return false;
  }
}

/** Longest path kept in a policy reference. */
export const POLICY_PATH_MAX = 480;

/**
 * A policy reference (`--policy`, spec add-secret §4.4): SHA-256 of the policy file ‖ the path as given,
 * truncated to 480 bytes, zero-padded to 512 bytes; carried as unsigned user data.
 */
export function encodePolicyReference(
  policy: Uint8Array,
  pathAsGiven: string,
): { block: Uint8Array; hash: Uint8Array } {
  const hash = sha256(policy);
  const block = new Uint8Array(ASRCB_USER_DATA_SIZE);
  block.set(hash, 0);
  block.set(new TextEncoder().encode(pathAsGiven).subarray(0, POLICY_PATH_MAX), hash.length);
  return { block, hash };
}
