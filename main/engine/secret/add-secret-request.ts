/**
 * `createAddSecretRequest` (pvsecret create, spec add-secret §2.8), `verifyAddSecretRequest` (pvsecret verify,
 * §4.3) and `decryptAddSecretRequest` (what the Ultravisor and the tests do with a host or customer key).
 * Randomness comes from the injected context in this order: IV (12), customer key (unless given), protection key
 * (32). The protection key and the KEKs are wiped after use.
 */
import type { KeyObject } from 'node:crypto';
import { AttestError } from '../../../shared/errors/index.js';
import { concatBytes, equalBytes, SecretBytes, withSecret } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import { unwrapKeySlotKey } from '../crypto/key-slot-wrap.js';
import { computePhkh, generateP521KeyPair, p521KeyPairFromPrivate } from '../crypto/p521.js';
import { aes256GcmDecrypt, aes256GcmEncrypt, AES_256_KEY_SIZE, hkdfSha512 } from '../crypto/primitives.js';
import { buildKeySlot } from '../attest/create.js';
import { KEY_SLOT_PHKH_SIZE, KEY_SLOT_WRAPPED_KEY_OFFSET } from '../formats/arcb.js';
import {
  ASRCB_CUID_SIZE,
  ASRCB_IV_SIZE,
  ASRCB_KEY_SLOTS_OFFSET,
  ASRCB_TAG_SIZE,
  ASRCB_USER_DATA_OFFSET,
  ASRCB_VERSION_1,
  ASRCB_CUSTOMER_KEY_OFFSET,
  EXTENSION_SECRET_SIZE,
  USER_DATA_TYPES,
  encodeAsrcbAad,
  parseAddSecretRequest,
  readAsrcbMagic,
  type AddSecretRequestLayout,
  type UserDataType,
} from '../formats/asrcb.js';
import type { SeHeaderTags } from '../formats/se-header.js';
import { CCK_SIZE, type GuestSecret } from './values.js';
import {
  USER_DATA_MAX_SIZE,
  USER_DATA_TYPE_NAMES,
  clearSignatureArea,
  encodeUserDataBlock,
  keyTypeName,
  readUserDataSignature,
  signUserData,
  signingUserDataType,
  userDataTypeOfKey,
  verifyUserDataSignature,
  writeUserDataSignature,
} from './user-data.js';

/** HKDF info of the CCK-derived extension secret. */
export const EXTENSION_SECRET_INFO = new TextEncoder().encode('IBM Z Ultravisor Add-Secret');

/** The extension secret: none (zeros), given as is (`--extension-secret`), or derived from a CCK (`--cck`). */
export type ExtensionSecretSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'simple'; readonly value: Uint8Array }
  | { readonly kind: 'derived'; readonly cck: Uint8Array };

/** HKDF-SHA512(IKM = CCK, salt = SE-header tag, info = `IBM Z Ultravisor Add-Secret`, 32 bytes). */
export function deriveExtensionSecret(cck: Uint8Array, seHeaderTag: Uint8Array): Uint8Array {
  if (cck.length !== CCK_SIZE) throw new AttestError('ERR_SECRET_CCK_SIZE', 'CCK must be exactly 32 bytes long');
  return hkdfSha512(cck, seHeaderTag, EXTENSION_SECRET_INFO, EXTENSION_SECRET_SIZE);
}

/** The 32 bytes that go into the request for `source`. */
export function extensionSecretBytes(source: ExtensionSecretSource | undefined, seHeaderTag: Uint8Array): Uint8Array {
  if (!source || source.kind === 'none') return new Uint8Array(EXTENSION_SECRET_SIZE);
  if (source.kind === 'derived') return deriveExtensionSecret(source.cck, seHeaderTag);
  if (source.value.length !== EXTENSION_SECRET_SIZE)
    throw new AttestError('ERR_SECRET_EXTENSION_SIZE', 'extension secret must be exactly 32 bytes long');
  return source.value.slice();
}

/** Inputs of `createAddSecretRequest`. */
export interface CreateAddSecretRequestParams {
  readonly secret: GuestSecret;
  /** Host public keys (160-byte coordinates), one key slot each, in this order (1..255). */
  readonly hostKeys: readonly Uint8Array[];
  /** PLD, ALD, TLD and tag of the SE header the request is bound to. */
  readonly bootTags: SeHeaderTags;
  /** The CUID the request is bound to; zero (unbound) by default. */
  readonly cuid?: Uint8Array;
  /** Add-secret flags (disable dump, or a raw `--pcf` value). */
  readonly flags?: bigint;
  readonly extensionSecret?: ExtensionSecretSource;
  /** User data (unsigned unless a signing key is given). */
  readonly userData?: Uint8Array;
  /** EC P-521 or RSA 2048/3072 private key signing the request. */
  readonly userSigningKey?: KeyObject;
  readonly ctx: EngineContext;
  /** A fixed customer private key (tests reproducing IBM's vectors); by default a fresh one is drawn. */
  readonly customerPrivateKey?: Uint8Array;
}

/** A created request. */
export interface AddSecretRequest {
  readonly bytes: Uint8Array;
  /** The request tag (last 16 bytes): what the secret-store hash measures. */
  readonly tag: Uint8Array;
  readonly userDataType: UserDataType;
}

/**
 * Builds and encrypts an add-secret request. Errors: ERR_CREATE_NO_HOST_KEY / ERR_CREATE_TOO_MANY_HOST_KEYS,
 * ERR_HOST_KEY_INVALID / ERR_HOST_KEY_NOT_P521, ERR_CUID_SIZE, ERR_SECRET_EXTENSION_SIZE / ERR_SECRET_CCK_SIZE,
 * ERR_SECRET_USER_DATA_SIZE, ERR_SECRET_SIGNING_KEY_UNSUPPORTED, ERR_INPUT_TOO_LARGE.
 */
export function createAddSecretRequest(p: CreateAddSecretRequestParams): AddSecretRequest {
  const cuid = p.cuid ?? new Uint8Array(ASRCB_CUID_SIZE);
  if (cuid.length !== ASRCB_CUID_SIZE)
    throw new AttestError('ERR_CUID_SIZE', `CUID must be 16 bytes, is ${cuid.length}`);
  if (p.hostKeys.length === 0) throw new AttestError('ERR_CREATE_NO_HOST_KEY', 'No host-key provided');
  // every secret is held as SecretBytes from the moment it exists and wiped on every path, a throw included
  const secrets: SecretBytes[] = [];
  const hold = (bytes: Uint8Array): Uint8Array => {
    secrets.push(new SecretBytes(bytes));
    return bytes;
  };
  try {
    const extension = hold(extensionSecretBytes(p.extensionSecret, p.bootTags.tag));
    const userDataType: UserDataType = p.userSigningKey
      ? signingUserDataType(p.userSigningKey)
      : p.userData !== undefined
        ? USER_DATA_TYPES.unsigned
        : USER_DATA_TYPES.none;
    const userData = encodeUserDataBlock(userDataType, p.userData ?? new Uint8Array(0));
    const iv = p.ctx.randomBytes(ASRCB_IV_SIZE);
    const customer = p.customerPrivateKey ? p521KeyPairFromPrivate(p.customerPrivateKey) : generateP521KeyPair(p.ctx);
    hold(customer.privateKey);
    const protectionKey = hold(p.ctx.randomBytes(AES_256_KEY_SIZE));
    const plaintext = hold(concatBytes(p.secret.value, extension));
    const keySlots = p.hostKeys.map((host) => buildKeySlot(customer.privateKey, host, protectionKey));
    const aadParams = {
      userDataType,
      iv,
      flags: p.flags ?? 0n,
      bootTags: p.bootTags,
      cuid,
      userData,
      customerPublicKey: customer.publicCoords,
      keySlots,
      secretHeader: { type: p.secret.type, length: p.secret.value.length, ...(p.secret.id ? { id: p.secret.id } : {}) },
      secretLength: p.secret.value.length,
    };
    let aad = encodeAsrcbAad(aadParams);
    let sealed = aes256GcmEncrypt(protectionKey, iv, aad, plaintext);
    if (p.userSigningKey) {
      const ciphertext = sealed.subarray(0, sealed.length - ASRCB_TAG_SIZE);
      const signature = signUserData(userDataType, p.userSigningKey, concatBytes(aad, ciphertext));
      writeUserDataSignature(userData, userDataType, signature);
      aad = encodeAsrcbAad({ ...aadParams, userData });
      sealed = aes256GcmEncrypt(protectionKey, iv, aad, plaintext);
    }
    const bytes = concatBytes(aad, sealed);
    return { bytes, tag: bytes.slice(bytes.length - ASRCB_TAG_SIZE), userDataType };
  } finally {
    for (const s of secrets) s.wipe();
  }
}

/** What `verifyAddSecretRequest` found. */
export interface AddSecretVerification {
  readonly userDataType: UserDataType;
  /** What pvsecret verify writes: the whole block (unsigned), the data part (signed), nothing (none). */
  readonly output?: Uint8Array;
}

function requestV1(bytes: Uint8Array): AddSecretRequestLayout {
  readAsrcbMagic(bytes);
  const layout = parseAddSecretRequest(bytes);
  if (layout.version !== ASRCB_VERSION_1)
    throw new AttestError('ERR_SECRET_REQUEST_VERSION', 'Input does not contain an add-secret request version 1');
  if (layout.rql < ASRCB_CUSTOMER_KEY_OFFSET)
    throw new AttestError('ERR_SECRET_REQUEST_INVALID', 'Input does not contain an add-secret request (too short)');
  return layout;
}

/**
 * pvsecret verify: the reader rules, version 1, and the user-data signature with `userCertKey` (the public key
 * of `--user-cert`). Does not decrypt. Errors: the reader's codes, ERR_SECRET_USER_KEY_MISMATCH,
 * ERR_SECRET_USER_KEY_MISSING, ERR_SECRET_SIGNATURE_INVALID (IBM's texts).
 */
export function verifyAddSecretRequest(bytes: Uint8Array, userCertKey?: KeyObject): AddSecretVerification {
  const layout = requestV1(bytes);
  const type = layout.userDataType as UserDataType;
  if (type === USER_DATA_TYPES.none) return { userDataType: type };
  const mismatch = (key: KeyObject): never => {
    throw new AttestError(
      'ERR_SECRET_USER_KEY_MISMATCH',
      `Provided user-data key type (${keyTypeName(key)}) does not match with the user-data (${USER_DATA_TYPE_NAMES[type]})`,
    );
  };
  if (type === USER_DATA_TYPES.unsigned) {
    if (userCertKey) mismatch(userCertKey);
    return { userDataType: type, output: layout.userData };
  }
  if (!userCertKey)
    throw new AttestError(
      'ERR_SECRET_USER_KEY_MISSING',
      'No user-key for verification provided and user-data is signed',
    );
  if (userDataTypeOfKey(userCertKey) !== type) mismatch(userCertKey);
  const block = layout.userData.slice();
  const signature = readUserDataSignature(block, type, userCertKey);
  clearSignatureArea(block, type);
  const message = bytes.slice(0, layout.rql - ASRCB_TAG_SIZE);
  message.set(block, ASRCB_USER_DATA_OFFSET);
  if (!signature || !verifyUserDataSignature(type, userCertKey, message, signature))
    throw new AttestError(
      'ERR_SECRET_SIGNATURE_INVALID',
      'The user-defined request signature could not be verified with the provided certificate',
    );
  return { userDataType: type, output: layout.userData.slice(0, USER_DATA_MAX_SIZE[type]) };
}

/** How to open a request: the host's private keys (the Ultravisor), or the customer key and the HKDs (tests). */
export type AddSecretRequestKeys =
  | { readonly hostPrivateKeys: readonly Uint8Array[] }
  | { readonly customerPrivateKey: Uint8Array; readonly hostPublicKeys: readonly Uint8Array[] };

/** A decrypted request. `value` and `extensionSecret` are secrets: wipe them after use. */
export interface DecryptedAddSecretRequest {
  readonly layout: AddSecretRequestLayout;
  /** Index of the key slot that opened the request, and its PHKH. */
  readonly keySlot: number;
  readonly phkh: Uint8Array;
  readonly value: Uint8Array;
  readonly extensionSecret: Uint8Array;
}

/**
 * Opens a request (spec add-secret §7 row 9): the key slot whose PHKH matches one of the keys, the protection key
 * unwrapped under SHA-256(ECDH ‖ 00000001), then the encrypted area. No matching slot, a slot or tag that does
 * not authenticate: ERR_SECRET_DECRYPT_FAILED. The layout must already be consistent (parse it first).
 */
export function decryptAddSecretRequest(bytes: Uint8Array, keys: AddSecretRequestKeys): DecryptedAddSecretRequest {
  const layout = parseAddSecretRequest(bytes);
  const failed = (why: string): never => {
    throw new AttestError('ERR_SECRET_DECRYPT_FAILED', `unable to decrypt the request: ${why}`);
  };
  if (layout.aadSize < ASRCB_KEY_SLOTS_OFFSET || layout.keySlots.length !== layout.nks || layout.nks === 0)
    failed('no key slots');
  // per candidate: its PHKH, the private key of the ECDH and the peer's public key
  const candidates =
    'hostPrivateKeys' in keys
      ? keys.hostPrivateKeys.map((k) => {
          const pair = p521KeyPairFromPrivate(k);
          return {
            phkh: computePhkh(pair.publicCoords),
            privateKey: new SecretBytes(pair.privateKey),
            peer: layout.customerPublicKey,
          };
        })
      : keys.hostPublicKeys.map((pub) => ({
          phkh: computePhkh(pub),
          privateKey: new SecretBytes(keys.customerPrivateKey.slice()),
          peer: pub,
        }));
  try {
    for (let i = 0; i < layout.keySlots.length; i++) {
      const slot = layout.keySlots[i]!;
      const phkh = slot.subarray(0, KEY_SLOT_PHKH_SIZE);
      const key = candidates.find((c) => equalBytes(c.phkh, phkh));
      if (!key) continue;
      try {
        const wrapped = slot.subarray(KEY_SLOT_WRAPPED_KEY_OFFSET);
        const protectionKey = unwrapKeySlotKey(key.privateKey.bytes, key.peer, wrapped, 'ERR_SECRET_DECRYPT_FAILED');
        return withSecret(protectionKey, (pk) => {
          const sealed = bytes.subarray(layout.aadSize, layout.rql);
          const aad = bytes.subarray(0, layout.aadSize);
          return withSecret(aes256GcmDecrypt(pk.bytes, layout.iv, aad, sealed, 'ERR_SECRET_DECRYPT_FAILED'), (p) => {
            const split = Math.max(0, p.length - EXTENSION_SECRET_SIZE);
            return {
              layout,
              keySlot: i,
              phkh: phkh.slice(),
              value: p.bytes.slice(0, split),
              extensionSecret: p.bytes.slice(split),
            };
          });
        });
      } catch (e) {
        if (e instanceof AttestError && e.code === 'ERR_SECRET_DECRYPT_FAILED')
          failed('the key slot or the request tag does not authenticate');
        failed('the key slot holds no valid key');
      }
    }
  } finally {
    for (const c of candidates) c.privateKey.wipe();
  }
  return failed('no key slot matches a host key');
}

/** The secret-free facts of a request (for records, evidence and the UI). */
export interface AddSecretRequestSummary {
  readonly rql: number;
  readonly nks: number;
  readonly flags: bigint;
  readonly userDataType: number;
  readonly cuid: Uint8Array;
  readonly secretType?: number;
  readonly secretId?: Uint8Array;
  readonly phkhs: readonly Uint8Array[];
  readonly tag: Uint8Array;
}

/** Reads the plaintext facts of a valid v1 request (reader rules as `verify`). */
export function summarizeAddSecretRequest(bytes: Uint8Array): AddSecretRequestSummary {
  const l = requestV1(bytes);
  return {
    rql: l.rql,
    nks: l.nks,
    flags: l.flags,
    userDataType: l.userDataType,
    cuid: l.cuid,
    ...(l.secretHeader ? { secretType: l.secretHeader.type } : {}),
    ...(l.secretHeader?.id ? { secretId: l.secretHeader.id } : {}),
    phkhs: l.keySlots.map((s) => s.slice(0, KEY_SLOT_PHKH_SIZE)),
    tag: l.tag,
  };
}
