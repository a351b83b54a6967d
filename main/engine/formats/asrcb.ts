/**
 * Add-secret request control blocks (ASRCB v1, spec add-secret §2): the byte layout, the AAD builder and
 * pvsecret's reader rules. The secret kinds, values, IDs and the encryption live in `main/engine/secret/`.
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x000 | 6 | magic `asrcbM` |
 * | 0x006 | 2 | user-data type 0..4 (not architected) |
 * | 0x008 | 4 | version 0x100 |
 * | 0x00C | 4 | rql: request length, tag included |
 * | 0x010 | 12 | IV |
 * | 0x01C | 11 | reserved |
 * | 0x027 | 1 | nks: number of key slots (1..255) |
 * | 0x028 | 4 | reserved |
 * | 0x02C | 4 | sea: size of the encrypted area (L + 32) |
 * | 0x030 | 8 | add-secret flags (MSB0 bit 0: disable dump) |
 * | 0x038 | 64 | PLD of the SE header |
 * | 0x078 | 64 | ALD |
 * | 0x0B8 | 64 | TLD |
 * | 0x0F8 | 16 | SE-header tag |
 * | 0x108 | 16 | CUID (zero: not bound to an instance) |
 * | 0x118 | 256 | reserved |
 * | 0x218 | 512 | user-data block |
 * | 0x418 | 160 | customer public key (X‖Y) |
 * | 0x4B8 | 80·N | key slots |
 * | … | H | secret header: 16 bytes (meta) or 48 (type, length, ID) |
 * | … | L | secret value (encrypted) |
 * | … | 32 | extension secret (encrypted) |
 * | rql−16 | 16 | request tag (GCM) |
 *
 * Secret header: reserved u16 · type u16 · length u32 · reserved 8 · ID 32 (absent for meta).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { readU32, readU64, viewOf, writeU32, writeU64 } from '../bytes.js';
import {
  ARCB_IV_OFFSET as REQUEST_IV_OFFSET,
  ARCB_IV_SIZE,
  ARCB_NKS_OFFSET as REQUEST_NKS_OFFSET,
  ARCB_SEA_OFFSET as REQUEST_SEA_OFFSET,
  ARCB_TAG_SIZE,
  KEY_SLOT_SIZE,
  MAX_KEY_SLOTS,
  REQUEST_HEADER_SIZE,
  REQUEST_LENGTH_OFFSET,
  REQUEST_VERSION_OFFSET,
} from './arcb.js';
import type { SeHeaderTags } from './se-header.js';

export const ASRCB_MAGIC = new Uint8Array(Buffer.from('asrcbM', 'latin1'));
export const ASRCB_VERSION_1 = 0x100;
/** The kernel's UVIO_ADD_SECRET_MAX_LEN. */
export const ASRCB_MAX_SIZE = 0x100000;
/** The request's GCM tag and IV: the ARCB's sizes. */
export const ASRCB_TAG_SIZE = ARCB_TAG_SIZE;
export const ASRCB_IV_SIZE = ARCB_IV_SIZE;
export const ASRCB_FLAGS_OFFSET = 0x30;
export const ASRCB_PLD_OFFSET = 0x38;
export const ASRCB_ALD_OFFSET = 0x78;
export const ASRCB_TLD_OFFSET = 0xb8;
export const ASRCB_HDR_TAG_OFFSET = 0xf8;
export const ASRCB_HDR_TAG_SIZE = 16;
export const ASRCB_CUID_OFFSET = 0x108;
export const ASRCB_USER_DATA_OFFSET = 0x218;
export const ASRCB_USER_DATA_SIZE = 0x200;
export const ASRCB_CUSTOMER_KEY_OFFSET = 0x418;
export const ASRCB_KEY_SLOTS_OFFSET = 0x4b8;
export const ASRCB_CUID_SIZE = 16;
export const SECRET_HEADER_SIZE_META = 16;
export const SECRET_HEADER_SIZE = 48;
export const SECRET_ID_SIZE = 32;
/** Secret header fields: type u16 at 2, length u32 at 4, the ID (48-byte header only) at 16. */
export const SECRET_HEADER_TYPE_OFFSET = 2;
export const SECRET_HEADER_LENGTH_OFFSET = 4;
export const SECRET_HEADER_ID_OFFSET = 16;
export const EXTENSION_SECRET_SIZE = 32;
/** Secret type of a meta secret (the only kind with the short header). */
export const SECRET_TYPE_META = 0x0001;
/** Disable dump (MSB0 bit 0): the only add-secret flag IBM defines. */
export const ASRCB_FLAG_DISABLE_DUMP = 0x8000000000000000n;
/** The user-data marker at 0x06 (spec add-secret §4.1). */
export const USER_DATA_TYPES = {
  none: 0,
  unsigned: 1,
  ecdsaP521: 2,
  rsa2048: 3,
  rsa3072: 4,
} as const;
export type UserDataType = (typeof USER_DATA_TYPES)[keyof typeof USER_DATA_TYPES];
const MAX_USER_DATA_TYPE = 4;

/** The secret header after the key slots. */
export interface SecretHeader {
  readonly type: number;
  /** Length of the secret value in the encrypted area. */
  readonly length: number;
  /** The 32-byte ID (absent for meta secrets). */
  readonly id?: Uint8Array;
}

/** Everything that goes into a request's AAD (spec add-secret §2.8 step 4). */
export interface AsrcbAadParams {
  readonly userDataType: UserDataType;
  readonly iv: Uint8Array;
  readonly flags: bigint;
  readonly bootTags: SeHeaderTags;
  readonly cuid: Uint8Array;
  /** The 512-byte user-data block. */
  readonly userData: Uint8Array;
  readonly customerPublicKey: Uint8Array;
  readonly keySlots: readonly Uint8Array[];
  readonly secretHeader: SecretHeader;
  /** Length of the secret value (L). */
  readonly secretLength: number;
}

/** The plaintext parts of a request, as pvsecret's readers see them. */
export interface AddSecretRequestLayout {
  readonly userDataType: number;
  readonly version: number;
  readonly rql: number;
  readonly iv: Uint8Array;
  readonly nks: number;
  readonly sea: number;
  readonly flags: bigint;
  readonly bootTags: SeHeaderTags;
  readonly cuid: Uint8Array;
  readonly userData: Uint8Array;
  readonly customerPublicKey: Uint8Array;
  readonly keySlots: readonly Uint8Array[];
  /** Bytes 0 .. aadSize: the GCM AAD. */
  readonly aadSize: number;
  /** The secret header, when the sizes hold one (16 or 48 bytes after the key slots). */
  readonly secretHeader?: SecretHeader;
  /** The encrypted area (secret value ‖ extension secret) and the tag. */
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** Size of the secret header of a secret type. */
export function secretHeaderSize(type: number): number {
  return type === SECRET_TYPE_META ? SECRET_HEADER_SIZE_META : SECRET_HEADER_SIZE;
}

/** The AAD size of a request: fixed part, key slots, secret header. */
export function asrcbAadSize(nks: number, secretType: number): number {
  return ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * nks + secretHeaderSize(secretType);
}

/** Encodes a secret header (16 bytes for meta, else 48 with the ID). */
export function encodeSecretHeader(h: SecretHeader): Uint8Array {
  const out = new Uint8Array(secretHeaderSize(h.type));
  viewOf(out).setUint16(SECRET_HEADER_TYPE_OFFSET, h.type, false);
  writeU32(out, SECRET_HEADER_LENGTH_OFFSET, h.length);
  if (out.length === SECRET_HEADER_SIZE && h.id) out.set(h.id, SECRET_HEADER_ID_OFFSET);
  return out;
}

/**
 * Builds the AAD (header with rql and sea filled in, flags, boot tags, CUID, reserved, user data, customer key,
 * key slots, secret header). Throws ERR_CREATE_NO_HOST_KEY / ERR_CREATE_TOO_MANY_HOST_KEYS, ERR_INPUT_INVALID
 * for wrong field sizes and ERR_INPUT_TOO_LARGE above 1 MiB.
 */
export function encodeAsrcbAad(p: AsrcbAadParams): Uint8Array {
  const nks = p.keySlots.length;
  if (nks === 0) throw new AttestError('ERR_CREATE_NO_HOST_KEY', 'No host-key provided');
  if (nks > MAX_KEY_SLOTS) throw new AttestError('ERR_CREATE_TOO_MANY_HOST_KEYS', 'Too many host-keys provided');
  const sizes: [string, Uint8Array, number][] = [
    ['IV', p.iv, ASRCB_IV_SIZE],
    ['PLD', p.bootTags.pld, 64],
    ['ALD', p.bootTags.ald, 64],
    ['TLD', p.bootTags.tld, 64],
    ['SE-header tag', p.bootTags.tag, 16],
    ['CUID', p.cuid, ASRCB_CUID_SIZE],
    ['user-data block', p.userData, ASRCB_USER_DATA_SIZE],
    ['customer public key', p.customerPublicKey, ASRCB_KEY_SLOTS_OFFSET - ASRCB_CUSTOMER_KEY_OFFSET],
  ];
  for (const [what, bytes, size] of sizes)
    if (bytes.length !== size) throw new AttestError('ERR_INPUT_INVALID', `${what} must be ${size} bytes`);
  for (const s of p.keySlots)
    if (s.length !== KEY_SLOT_SIZE) throw new AttestError('ERR_INPUT_INVALID', 'key slot must be 80 bytes');
  const aadSize = asrcbAadSize(nks, p.secretHeader.type);
  const sea = p.secretLength + EXTENSION_SECRET_SIZE;
  const rql = aadSize + sea + ASRCB_TAG_SIZE;
  if (rql > ASRCB_MAX_SIZE) throw new AttestError('ERR_INPUT_TOO_LARGE', 'the add-secret request exceeds 1 MiB');
  const aad = new Uint8Array(aadSize);
  aad.set(ASRCB_MAGIC, 0);
  viewOf(aad).setUint16(6, p.userDataType, false);
  writeU32(aad, REQUEST_VERSION_OFFSET, ASRCB_VERSION_1);
  writeU32(aad, REQUEST_LENGTH_OFFSET, rql);
  aad.set(p.iv, REQUEST_IV_OFFSET);
  aad[REQUEST_NKS_OFFSET] = nks;
  writeU32(aad, REQUEST_SEA_OFFSET, sea);
  writeU64(aad, ASRCB_FLAGS_OFFSET, p.flags);
  aad.set(p.bootTags.pld, ASRCB_PLD_OFFSET);
  aad.set(p.bootTags.ald, ASRCB_ALD_OFFSET);
  aad.set(p.bootTags.tld, ASRCB_TLD_OFFSET);
  aad.set(p.bootTags.tag, ASRCB_HDR_TAG_OFFSET);
  aad.set(p.cuid, ASRCB_CUID_OFFSET);
  aad.set(p.userData, ASRCB_USER_DATA_OFFSET);
  aad.set(p.customerPublicKey, ASRCB_CUSTOMER_KEY_OFFSET);
  p.keySlots.forEach((s, i) => aad.set(s, ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * i));
  aad.set(
    encodeSecretHeader({ ...p.secretHeader, length: p.secretLength }),
    ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * nks,
  );
  return aad;
}

function fail(code: 'ERR_SECRET_REQUEST_INVALID' | 'ERR_SECRET_REQUEST_TOO_SMALL', why: string): never {
  const text =
    code === 'ERR_SECRET_REQUEST_INVALID'
      ? 'Input does not contain an add-secret request'
      : 'Provided binary request is too small';
  throw new AttestError(code, `${text} (${why})`);
}

/**
 * Magic and user-data marker (`AddSecretMagic::try_from_bytes`): at least 8 bytes, `asrcbM`, marker 0..4.
 * Throws ERR_SECRET_REQUEST_INVALID or ERR_SECRET_USER_DATA_TYPE; returns the marker.
 */
export function readAsrcbMagic(bytes: Uint8Array): number {
  if (bytes.length < 8) fail('ERR_SECRET_REQUEST_INVALID', 'shorter than 8 bytes');
  for (let i = 0; i < ASRCB_MAGIC.length; i++)
    if (bytes[i] !== ASRCB_MAGIC[i]) fail('ERR_SECRET_REQUEST_INVALID', 'wrong magic');
  const marker = viewOf(bytes).getUint16(6, false);
  if (marker > MAX_USER_DATA_TYPE) {
    throw new AttestError(
      'ERR_SECRET_USER_DATA_TYPE',
      `Input contains unsupported user-data type: 0x${marker.toString(16).padStart(4, '0')}`,
      { userDataType: marker },
    );
  }
  return marker;
}

/**
 * pvsecret's generic reader (`BinReqValues::get`, spec add-secret §2.9): magic and marker, the 48-byte header,
 * rql not below the buffer, sea + 16 ≤ rql, AAD ≥ 48. A buffer shorter than rql makes IBM's tool panic (exit
 * 101); here it is ERR_SECRET_REQUEST_TRUNCATED. Returns the layout; the version is not checked here.
 */
export function parseAddSecretRequest(bytes: Uint8Array): AddSecretRequestLayout {
  const userDataType = readAsrcbMagic(bytes);
  if (bytes.length > ASRCB_MAX_SIZE) fail('ERR_SECRET_REQUEST_INVALID', 'larger than 1 MiB');
  if (bytes.length < REQUEST_HEADER_SIZE) fail('ERR_SECRET_REQUEST_TOO_SMALL', 'shorter than the 48-byte header');
  const rql = readU32(bytes, REQUEST_LENGTH_OFFSET);
  const sea = readU32(bytes, REQUEST_SEA_OFFSET);
  if (rql < bytes.length) fail('ERR_SECRET_REQUEST_TOO_SMALL', `the file is longer than its length field (${rql})`);
  if (sea + ASRCB_TAG_SIZE > rql) fail('ERR_SECRET_REQUEST_TOO_SMALL', 'the encrypted size exceeds the request');
  const aadSize = rql - sea - ASRCB_TAG_SIZE;
  if (aadSize < REQUEST_HEADER_SIZE) fail('ERR_SECRET_REQUEST_TOO_SMALL', 'the authenticated part is too small');
  if (bytes.length < rql) {
    throw new AttestError(
      'ERR_SECRET_REQUEST_TRUNCATED',
      `the add-secret request is truncated: its length field says ${rql} bytes, the file has ${bytes.length}`,
      { rql, size: bytes.length },
    );
  }
  const nks = bytes[REQUEST_NKS_OFFSET] ?? 0;
  const slotsEnd = ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * nks;
  const hasFixed = aadSize >= ASRCB_KEY_SLOTS_OFFSET;
  const slice = (at: number, size: number) => (at + size <= aadSize ? bytes.slice(at, at + size) : new Uint8Array(0));
  let secretHeader: SecretHeader | undefined;
  const headerSize = aadSize - slotsEnd;
  if (hasFixed && (headerSize === SECRET_HEADER_SIZE_META || headerSize === SECRET_HEADER_SIZE)) {
    const type = viewOf(bytes).getUint16(slotsEnd + SECRET_HEADER_TYPE_OFFSET, false);
    const length = readU32(bytes, slotsEnd + SECRET_HEADER_LENGTH_OFFSET);
    const idAt = slotsEnd + SECRET_HEADER_ID_OFFSET;
    secretHeader =
      headerSize === SECRET_HEADER_SIZE
        ? { type, length, id: bytes.slice(idAt, idAt + SECRET_ID_SIZE) }
        : { type, length };
  }
  const keySlots: Uint8Array[] = [];
  if (slotsEnd <= aadSize)
    for (let i = 0; i < nks; i++) keySlots.push(slice(ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * i, KEY_SLOT_SIZE));
  return {
    userDataType,
    version: readU32(bytes, REQUEST_VERSION_OFFSET),
    rql,
    iv: bytes.slice(REQUEST_IV_OFFSET, REQUEST_IV_OFFSET + ASRCB_IV_SIZE),
    nks,
    sea,
    flags: aadSize >= ASRCB_FLAGS_OFFSET + 8 ? readU64(bytes, ASRCB_FLAGS_OFFSET) : 0n,
    bootTags: {
      pld: slice(ASRCB_PLD_OFFSET, 64),
      ald: slice(ASRCB_ALD_OFFSET, 64),
      tld: slice(ASRCB_TLD_OFFSET, 64),
      tag: slice(ASRCB_HDR_TAG_OFFSET, ASRCB_HDR_TAG_SIZE),
    },
    cuid: slice(ASRCB_CUID_OFFSET, ASRCB_CUID_SIZE),
    userData: slice(ASRCB_USER_DATA_OFFSET, ASRCB_USER_DATA_SIZE),
    customerPublicKey: slice(ASRCB_CUSTOMER_KEY_OFFSET, ASRCB_KEY_SLOTS_OFFSET - ASRCB_CUSTOMER_KEY_OFFSET),
    keySlots,
    aadSize,
    ...(secretHeader ? { secretHeader } : {}),
    ciphertext: bytes.slice(aadSize, rql - ASRCB_TAG_SIZE),
    tag: bytes.slice(rql - ASRCB_TAG_SIZE, rql),
  };
}

/**
 * Validates an add-secret request as `pvattest check --secret` does (`bin_tag`, spec §8.3) and returns its
 * 16-byte tag. Throws ERR_ASRCB_INVALID ("Input does not contain an add-secret request").
 */
export function readAddSecretRequestTag(bytes: Uint8Array): Uint8Array {
  const bad = (why: string): never => {
    throw new AttestError('ERR_ASRCB_INVALID', `Input does not contain an add-secret request (${why})`);
  };
  if (bytes.length > ASRCB_MAX_SIZE) bad('larger than 1 MiB');
  if (bytes.length < REQUEST_HEADER_SIZE) bad('too short');
  for (let i = 0; i < ASRCB_MAGIC.length; i++) if (bytes[i] !== ASRCB_MAGIC[i]) bad('wrong magic');
  const kind = viewOf(bytes).getUint16(6, false);
  if (kind > MAX_USER_DATA_TYPE) bad(`unknown kind ${kind}`);
  const version = readU32(bytes, REQUEST_VERSION_OFFSET);
  const rql = readU32(bytes, REQUEST_LENGTH_OFFSET);
  const sea = readU32(bytes, REQUEST_SEA_OFFSET);
  if (version !== ASRCB_VERSION_1) bad(`unsupported version 0x${version.toString(16)}`);
  if (rql !== bytes.length) bad('length field does not match the file');
  if (sea + ASRCB_TAG_SIZE > rql || rql - sea - ASRCB_TAG_SIZE < REQUEST_HEADER_SIZE) bad('inconsistent sizes');
  return bytes.slice(rql - ASRCB_TAG_SIZE, rql);
}
