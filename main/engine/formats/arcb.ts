/**
 * ARCB v1, the attestation request control block (spec §2). Big-endian throughout.
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 8 | magic: 8 zero bytes |
 * | 0x08 | 4 | version 0x00000100 |
 * | 0x0C | 4 | rql: total length incl. tag |
 * | 0x10 | 12 | IV of the encrypted area |
 * | 0x1C | 11 | reserved |
 * | 0x27 | 1 | nks: number of key slots |
 * | 0x28 | 4 | reserved |
 * | 0x2C | 4 | sea: size of the encrypted area |
 * | 0x30 | 8 | plaintext attestation flags (PAF, MSB0) |
 * | 0x38 | 4 | MAI: measurement algorithm id (1 = HMAC-SHA512) |
 * | 0x3C | 4 | reserved |
 * | 0x40 | 160 | customer public key (X‖Y, 80 + 80) |
 * | 0xE0 | 80·nks | key slots: PHKH (32), wrapped ARPK (32), tag (16) |
 * | … | sea | encrypted: measurement key (64) [‖ nonce (16)] |
 * | rql−16 | 16 | AES-GCM tag |
 */
import { AttestError } from '../../../shared/errors/index.js';
import { concatBytes, readU32, readU64, sliceChecked, withSecret, writeU32, writeU64 } from '../bytes.js';

export const ARCB_MAGIC_SIZE = 8;
export const REQUEST_HEADER_SIZE = 48;
/** The version and the total length (rql) of a request header (ARCB and add-secret request alike). */
export const REQUEST_VERSION_OFFSET = 0x08;
export const REQUEST_LENGTH_OFFSET = 0x0c;
export const ARCB_VERSION_1 = 0x0100;
export const ARCB_FIXED_AAD_SIZE = 0xe0;
export const ARCB_IV_OFFSET = 0x10;
export const ARCB_IV_SIZE = 12;
export const ARCB_NKS_OFFSET = 0x27;
export const ARCB_SEA_OFFSET = 0x2c;
export const ARCB_FLAGS_OFFSET = 0x30;
export const ARCB_MAI_OFFSET = 0x38;
export const ARCB_CUSTOMER_KEY_OFFSET = 0x40;
export const ARCB_CUSTOMER_KEY_SIZE = 160;
export const KEY_SLOT_SIZE = 80;
/** A PHKH (SHA-256 of a host key's coordinates) as a key slot and the additional data carry it. */
export const KEY_SLOT_PHKH_SIZE = 32;
/** A key slot's wrapped key (32) and its GCM tag (16) follow the PHKH. */
export const KEY_SLOT_WRAPPED_KEY_OFFSET = KEY_SLOT_PHKH_SIZE;
export const KEY_SLOT_TAG_OFFSET = 64;
export const MEASUREMENT_KEY_SIZE = 64;
export const NONCE_SIZE = 16;
export const ARPK_SIZE = 32;
export const ARCB_TAG_SIZE = 16;
export const MAX_KEY_SLOTS = 255;
export const MAX_ARCB_SIZE = 0x100000;
export const MAI_HMAC_SHA512 = 1;

/** PAF bits (MSB0 numbering: bit n = 1 << (63 − n)). */
export const PAF_NONCE = 1n << 62n;
export const PAF_IMAGE_PHKH = 1n << 61n;
export const PAF_ATTESTATION_PHKH = 1n << 60n;
export const PAF_SECRET_STORE_HASH = 1n << 59n;
export const PAF_FIRMWARE_STATE = 1n << 58n;
export const PAF_TMP_BACKUP_ALLOWED = 1n << 1n;
export const PAF_GLOBAL_KEY_ALLOWED = 1n << 0n;

/** Which reader's rules apply: IBM's Rust pvattest (2.33+) or the C one (≤ 2.32). */
export type Dialect = 'rust' | 'c';

/** One 80-byte key slot. */
export interface KeySlot {
  readonly phkh: Uint8Array;
  readonly wrappedKey: Uint8Array;
  readonly tag: Uint8Array;
}

/** The plaintext (authenticated) parts of an ARCB. */
export interface ArcbInfo {
  readonly version: number;
  readonly rql: number;
  readonly iv: Uint8Array;
  readonly nks: number;
  readonly sea: number;
  readonly flags: bigint;
  readonly mai: number;
  readonly customerPublicKey: Uint8Array;
  readonly keySlots: readonly KeySlot[];
  /** Bytes covered by the request GCM as AAD. */
  readonly aadSize: number;
}

/** The decrypted confidential area. */
export interface ArcbSecrets {
  readonly measurementKey: Uint8Array;
  readonly nonce: Uint8Array | undefined;
}

/** Inputs of `encodeArcb`; the caller computes the key slots and supplies randomness. */
export interface EncodeArcbParams {
  readonly iv: Uint8Array;
  readonly flags: bigint;
  readonly customerPublicKey: Uint8Array;
  readonly keySlots: readonly Uint8Array[];
  readonly measurementKey: Uint8Array;
  readonly nonce?: Uint8Array | undefined;
  /** Encrypts (key, iv, aad, plaintext) → ciphertext ‖ tag. Injected so this module stays free of crypto. */
  readonly encrypt: (iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Uint8Array;
}

/** Encodes the 80-byte key slot. */
export function encodeKeySlot(phkh: Uint8Array, wrappedAndTag: Uint8Array): Uint8Array {
  if (phkh.length !== KEY_SLOT_PHKH_SIZE || wrappedAndTag.length !== ARPK_SIZE + ARCB_TAG_SIZE) {
    throw new AttestError('ERR_INPUT_INVALID', 'key slot parts have the wrong size');
  }
  return concatBytes(phkh, wrappedAndTag);
}

/** Builds the AAD (header, flags, MAI, customer key, slots) of an ARCB with the given sizes filled in. */
export function encodeArcbAad(
  params: Omit<EncodeArcbParams, 'measurementKey' | 'encrypt'> & { sea: number },
): Uint8Array {
  const nks = params.keySlots.length;
  if (nks < 1 || nks > MAX_KEY_SLOTS) {
    throw new AttestError(
      'ERR_CREATE_TOO_MANY_HOST_KEYS',
      `an attestation request holds 1 to 255 key slots, not ${nks}`,
    );
  }
  if (params.iv.length !== ARCB_IV_SIZE) throw new AttestError('ERR_INPUT_INVALID', 'ARCB IV must be 12 bytes');
  if (params.customerPublicKey.length !== ARCB_CUSTOMER_KEY_SIZE)
    throw new AttestError('ERR_INPUT_INVALID', 'customer key must be 160 bytes');
  const aadSize = ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * nks;
  const rql = aadSize + params.sea + ARCB_TAG_SIZE;
  const aad = new Uint8Array(aadSize);
  writeU32(aad, REQUEST_VERSION_OFFSET, ARCB_VERSION_1);
  writeU32(aad, REQUEST_LENGTH_OFFSET, rql);
  aad.set(params.iv, ARCB_IV_OFFSET);
  aad[ARCB_NKS_OFFSET] = nks;
  writeU32(aad, ARCB_SEA_OFFSET, params.sea);
  writeU64(aad, ARCB_FLAGS_OFFSET, params.flags);
  writeU32(aad, ARCB_MAI_OFFSET, MAI_HMAC_SHA512);
  aad.set(params.customerPublicKey, ARCB_CUSTOMER_KEY_OFFSET);
  params.keySlots.forEach((slot, i) => {
    if (slot.length !== KEY_SLOT_SIZE) throw new AttestError('ERR_INPUT_INVALID', 'key slot must be 80 bytes');
    aad.set(slot, ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * i);
  });
  return aad;
}

/** Encodes and encrypts a complete ARCB v1 (spec §2.7 steps 4–5). */
export function encodeArcb(params: EncodeArcbParams): Uint8Array {
  if (params.measurementKey.length !== MEASUREMENT_KEY_SIZE)
    throw new AttestError('ERR_INPUT_INVALID', 'measurement key must be 64 bytes');
  if (params.nonce !== undefined && params.nonce.length !== NONCE_SIZE)
    throw new AttestError('ERR_INPUT_INVALID', 'nonce must be 16 bytes');
  const hasNonce = params.nonce !== undefined;
  const flags = hasNonce ? params.flags | PAF_NONCE : params.flags & ~PAF_NONCE;
  const sea = MEASUREMENT_KEY_SIZE + (hasNonce ? NONCE_SIZE : 0);
  const aad = encodeArcbAad({ ...params, flags, sea });
  const plaintext = hasNonce ? concatBytes(params.measurementKey, params.nonce as Uint8Array) : params.measurementKey;
  const sealed = params.encrypt(params.iv, aad, plaintext);
  return concatBytes(aad, sealed);
}

/**
 * Parses the plaintext parts of an ARCB. Rust rules (spec §2.8): zero magic (ERR_ARCB_NO_ARCB), the buffer is
 * exactly rql bytes and sea + 16 ≤ rql (ERR_ARCB_SIZE), version 0x100 (ERR_ARCB_VERSION), MAI 1
 * (ERR_ARCB_ALGORITHM), sea ≥ 64. C rules: no magic check, aad = 0xE0 + 80·nks, sea 64 or 80 per PAF bit 1.
 */
export function parseArcb(bytes: Uint8Array, dialect: Dialect = 'rust'): ArcbInfo {
  if (bytes.length > MAX_ARCB_SIZE)
    throw new AttestError('ERR_ARCB_SIZE', `ARCB larger than 1 MiB (${bytes.length} bytes)`);
  if (bytes.length < REQUEST_HEADER_SIZE) {
    throw new AttestError(
      'ERR_ARCB_SIZE',
      `ARCB too short (${bytes.length} bytes, need at least ${REQUEST_HEADER_SIZE})`,
    );
  }
  if (dialect === 'rust' && bytes.subarray(0, ARCB_MAGIC_SIZE).some((b) => b !== 0)) {
    throw new AttestError('ERR_ARCB_NO_ARCB', 'The input is not an attestation request (magic is not zero)');
  }
  const version = readU32(bytes, REQUEST_VERSION_OFFSET, 'ERR_ARCB_SIZE');
  const rql = readU32(bytes, REQUEST_LENGTH_OFFSET, 'ERR_ARCB_SIZE');
  const sea = readU32(bytes, ARCB_SEA_OFFSET, 'ERR_ARCB_SIZE');
  const nks = bytes[ARCB_NKS_OFFSET] ?? 0;
  let aadSize: number;
  if (dialect === 'rust') {
    if (rql !== bytes.length)
      throw new AttestError('ERR_ARCB_SIZE', `ARCB length field ${rql} does not match its ${bytes.length} bytes`);
    if (sea + ARCB_TAG_SIZE > rql)
      throw new AttestError('ERR_ARCB_SIZE', `encrypted area (${sea} bytes) does not fit the ARCB`);
    aadSize = rql - sea - ARCB_TAG_SIZE;
    if (aadSize < REQUEST_HEADER_SIZE) throw new AttestError('ERR_ARCB_SIZE', 'ARCB authenticated area is too small');
    if (version !== ARCB_VERSION_1)
      throw new AttestError('ERR_ARCB_VERSION', `unsupported ARCB version 0x${version.toString(16)}`);
  } else {
    if (version !== ARCB_VERSION_1)
      throw new AttestError('ERR_ARCB_VERSION', `unsupported ARCB version 0x${version.toString(16)}`);
    aadSize = ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * nks;
    if (aadSize + sea + ARCB_TAG_SIZE !== rql || rql > bytes.length) {
      throw new AttestError('ERR_ARCB_SIZE', 'ARCB sizes are inconsistent');
    }
  }
  const flags = readU64(bytes, ARCB_FLAGS_OFFSET, 'ERR_ARCB_SIZE');
  const mai = readU32(bytes, ARCB_MAI_OFFSET, 'ERR_ARCB_SIZE');
  if (mai !== MAI_HMAC_SHA512)
    throw new AttestError('ERR_ARCB_ALGORITHM', `unsupported measurement algorithm ${mai}`, { mai });
  if (dialect === 'rust' && sea < MEASUREMENT_KEY_SIZE)
    throw new AttestError('ERR_ARCB_SIZE', `encrypted area too small (${sea} bytes)`);
  if (dialect === 'c' && sea !== MEASUREMENT_KEY_SIZE + ((flags & PAF_NONCE) !== 0n ? NONCE_SIZE : 0)) {
    throw new AttestError('ERR_ARCB_SIZE', `encrypted area size ${sea} does not match the nonce flag`);
  }
  const slotCount = Math.min(nks, Math.floor((aadSize - ARCB_FIXED_AAD_SIZE) / KEY_SLOT_SIZE));
  const keySlots: KeySlot[] = [];
  for (let i = 0; i < slotCount; i++) {
    const at = ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * i;
    keySlots.push({
      phkh: bytes.slice(at, at + KEY_SLOT_PHKH_SIZE),
      wrappedKey: bytes.slice(at + KEY_SLOT_WRAPPED_KEY_OFFSET, at + KEY_SLOT_TAG_OFFSET),
      tag: bytes.slice(at + KEY_SLOT_TAG_OFFSET, at + KEY_SLOT_SIZE),
    });
  }
  return {
    version,
    rql,
    iv: sliceChecked(bytes, ARCB_IV_OFFSET, ARCB_IV_SIZE, 'ERR_ARCB_SIZE'),
    nks,
    sea,
    flags,
    mai,
    // Rust only requires 48 bytes of AAD; a shorter AAD than 0xE0 has no (authenticated) customer key
    customerPublicKey:
      aadSize >= ARCB_FIXED_AAD_SIZE
        ? sliceChecked(bytes, ARCB_CUSTOMER_KEY_OFFSET, ARCB_CUSTOMER_KEY_SIZE, 'ERR_ARCB_SIZE')
        : new Uint8Array(0),
    keySlots,
    aadSize,
  };
}

/** The 16 bytes 0x30..0x40 (flags, MAI, reserved): what Rust calls the authenticated block. */
export function arcbAuthenticatedBlock(bytes: Uint8Array): Uint8Array {
  return sliceChecked(bytes, ARCB_FLAGS_OFFSET, 16, 'ERR_ARCB_SIZE');
}

/**
 * Decrypts the confidential area with the ARPK. `decrypt` is AES-256-GCM (iv, aad, ct‖tag) → plaintext and
 * throws ERR_ARCB_TAG_MISMATCH. Nonce presence follows the dialect: Rust = plaintext of exactly 80 bytes,
 * C = PAF bit 1.
 */
export function decryptArcbWith(
  bytes: Uint8Array,
  info: ArcbInfo,
  decrypt: (iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array,
  dialect: Dialect = 'rust',
): ArcbSecrets {
  const aad = bytes.subarray(0, info.aadSize);
  const sealed = bytes.subarray(info.aadSize, info.aadSize + info.sea + ARCB_TAG_SIZE);
  return withSecret(decrypt(info.iv, aad, sealed), ({ bytes: plain }) => {
    const measurementKey = plain.slice(0, MEASUREMENT_KEY_SIZE);
    const hasNonce =
      dialect === 'rust' ? plain.length === MEASUREMENT_KEY_SIZE + NONCE_SIZE : (info.flags & PAF_NONCE) !== 0n;
    const nonce = hasNonce ? plain.slice(MEASUREMENT_KEY_SIZE, MEASUREMENT_KEY_SIZE + NONCE_SIZE) : undefined;
    return { measurementKey, nonce };
  });
}
