/**
 * A software Ultravisor: answers an attestation request the way the firmware does behind `pvattest perform`
 * (spec §7.4), with the UV's return codes for bad requests (§7.3). Used by the demo and the simulated guests.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { equalBytes, readU32, readU64, SecretBytes } from '../bytes.js';
import { unwrapKeySlotKey } from '../crypto/key-slot-wrap.js';
import { computePhkh, p521KeyPairFromPrivate } from '../crypto/p521.js';
import { aes256GcmDecrypt } from '../crypto/primitives.js';
import { FIRMWARE_STATE_SIZE } from '../formats/additional-data.js';
import {
  ARCB_CUSTOMER_KEY_OFFSET,
  ARCB_CUSTOMER_KEY_SIZE,
  ARCB_FIXED_AAD_SIZE,
  ARCB_FLAGS_OFFSET,
  ARCB_IV_OFFSET,
  ARCB_IV_SIZE,
  ARCB_MAI_OFFSET,
  ARCB_NKS_OFFSET,
  ARCB_SEA_OFFSET,
  KEY_SLOT_PHKH_SIZE,
  KEY_SLOT_WRAPPED_KEY_OFFSET,
  ARCB_TAG_SIZE,
  ARCB_VERSION_1,
  KEY_SLOT_SIZE,
  MAI_HMAC_SHA512,
  MAX_ARCB_SIZE,
  MEASUREMENT_KEY_SIZE,
  NONCE_SIZE,
  PAF_ATTESTATION_PHKH,
  PAF_FIRMWARE_STATE,
  PAF_GLOBAL_KEY_ALLOWED,
  PAF_IMAGE_PHKH,
  PAF_NONCE,
  PAF_SECRET_STORE_HASH,
  PAF_TMP_BACKUP_ALLOWED,
  REQUEST_HEADER_SIZE,
  REQUEST_LENGTH_OFFSET,
  REQUEST_VERSION_OFFSET,
} from '../formats/arcb.js';
import { CUID_SIZE, MAX_USER_DATA_SIZE, encodeExchangeResponse, parseExchangeRequest } from '../formats/exchange.js';
import { findSeHeader, type SeHeader } from '../formats/se-header.js';
import { computeMeasurement, computeSecretStoreHash } from './measurement.js';

/** UV return codes (spec §7.3). */
export const UV_RC = {
  SUCCESS: 0x0001,
  MORE_DATA: 0x0100,
  INVALID_CMD: 0x0002,
  INVALID_SIZE: 0x0005,
  USER_DATA_TOO_LARGE: 0x0102,
  UNSUPPORTED_VERSION: 0x0106,
  INVALID_LENGTH: 0x0107,
  INVALID_KEY_SLOTS: 0x0108,
  INVALID_ENCRYPTED_SIZE: 0x0109,
  UNSUPPORTED_FLAGS: 0x010a,
  UNSUPPORTED_ALGORITHM: 0x010b,
  NO_VALID_HOST_KEY: 0x010c,
  MEASUREMENT_BUFFER_TOO_SMALL: 0x010d,
  ADDITIONAL_BUFFER_TOO_SMALL: 0x010e,
} as const;

const RC_TEXT: Record<number, string> = {
  0x0005: 'request has an invalid size',
  0x0102: 'user-data length is greater than 256',
  0x0106: 'unsupported attestation request version',
  0x0107: 'invalid request length for the version',
  0x0108: 'number of key slots is 0 or above the maximum for the version',
  0x0109: 'size of the encrypted area does not match the measurement key length and optional items',
  0x010a: 'unsupported plaintext attestation flag set',
  0x010b: 'unsupported measurement algorithm',
  0x010c: 'unable to decrypt the attestation request control block: probably no valid host key was provided',
  0x010d: 'measurement buffer is too small',
  0x010e: 'additional-data buffer is too small for the requested data',
};

const SUPPORTED_FLAGS =
  PAF_NONCE |
  PAF_IMAGE_PHKH |
  PAF_ATTESTATION_PHKH |
  PAF_SECRET_STORE_HASH |
  PAF_FIRMWARE_STATE |
  PAF_TMP_BACKUP_ALLOWED |
  PAF_GLOBAL_KEY_ALLOWED;

/** Inputs of the software UV. */
export interface PerformAttestationParams {
  /** The request exchange file (as `pvattest perform -i` reads it). */
  readonly request: Uint8Array;
  /** The host's P-521 private keys (scalars). */
  readonly hostPrivateKeys: readonly Uint8Array[];
  /** The guest's SE header, bare or inside its image. */
  readonly seHeader: Uint8Array;
  /** The configuration unique ID of this guest, 16 bytes. */
  readonly cuid: Uint8Array;
  /** User data given to `perform -u` (≤ 256 bytes). */
  readonly userData?: Uint8Array | undefined;
  /** Secret-store state: tags of the successful add-secret requests in order, and the lock bit. */
  readonly secretStore?: { readonly tags: readonly Uint8Array[]; readonly locked: boolean } | undefined;
  /** Opaque firmware state (320 bytes); zeros by default. */
  readonly firmwareState?: Uint8Array | undefined;
}

function uvFail(rc: number): never {
  throw new AttestError('ERR_UV_RC', `Ultravisor rc 0x${rc.toString(16).padStart(4, '0')}: ${RC_TEXT[rc] ?? 'error'}`, {
    rc,
  });
}

/** Unwraps the ARPK from the slot that matches one of the host keys; returns it and the matching PHKH. */
function unwrapArpk(
  arcb: Uint8Array,
  nks: number,
  hostKeys: readonly { privateKey: SecretBytes; phkh: Uint8Array }[],
): { arpk: SecretBytes; phkh: Uint8Array } {
  const customer = arcb.subarray(ARCB_CUSTOMER_KEY_OFFSET, ARCB_CUSTOMER_KEY_OFFSET + ARCB_CUSTOMER_KEY_SIZE);
  for (let i = 0; i < nks; i++) {
    const slot = arcb.subarray(ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * i, ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * (i + 1));
    const phkh = slot.subarray(0, KEY_SLOT_PHKH_SIZE);
    const host = hostKeys.find((h) => equalBytes(h.phkh, phkh));
    if (!host) continue;
    try {
      return {
        arpk: new SecretBytes(
          unwrapKeySlotKey(host.privateKey.bytes, customer, slot.subarray(KEY_SLOT_WRAPPED_KEY_OFFSET)),
        ),
        phkh: phkh.slice(),
      };
    } catch {
      uvFail(UV_RC.NO_VALID_HOST_KEY);
    }
  }
  uvFail(UV_RC.NO_VALID_HOST_KEY);
}

/** The image PHKH: the SE-header key slot matching one of the host keys (the first slot when none does). */
function imagePhkhOf(header: SeHeader, hostPhkhs: readonly Uint8Array[]): Uint8Array {
  const match = header.keySlotPhkhs.find((p) => hostPhkhs.some((h) => equalBytes(h, p)));
  return match ?? header.keySlotPhkhs[0] ?? new Uint8Array(KEY_SLOT_PHKH_SIZE);
}

/**
 * Performs an attestation and returns the response exchange file. UV failures throw ERR_UV_RC with
 * `details.rc`; unreadable request files throw the exchange reader's codes.
 */
export function performAttestation(params: PerformAttestationParams): Uint8Array {
  if (params.cuid.length !== CUID_SIZE)
    throw new AttestError('ERR_CUID_SIZE', `CUID must be 16 bytes, is ${params.cuid.length}`);
  const request = parseExchangeRequest(params.request);
  const arcb = request.arcb;
  const header = findSeHeader(params.seHeader);
  // 1. lengths, version, key slots, user data
  if (
    arcb.length < REQUEST_HEADER_SIZE ||
    arcb.length > MAX_ARCB_SIZE ||
    readU32(arcb, REQUEST_LENGTH_OFFSET) !== arcb.length
  )
    uvFail(UV_RC.INVALID_LENGTH);
  if (readU32(arcb, REQUEST_VERSION_OFFSET) !== ARCB_VERSION_1) uvFail(UV_RC.UNSUPPORTED_VERSION);
  const nks = arcb[ARCB_NKS_OFFSET] ?? 0;
  if (nks === 0) uvFail(UV_RC.INVALID_KEY_SLOTS);
  if ((params.userData?.length ?? 0) > MAX_USER_DATA_SIZE) uvFail(UV_RC.USER_DATA_TOO_LARGE);
  const sea = readU32(arcb, ARCB_SEA_OFFSET);
  if (ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * nks + sea + ARCB_TAG_SIZE !== arcb.length) uvFail(UV_RC.INVALID_LENGTH);
  // 2. flags, algorithm, encrypted size
  const flags = readU64(arcb, ARCB_FLAGS_OFFSET);
  if ((flags & ~SUPPORTED_FLAGS) !== 0n) uvFail(UV_RC.UNSUPPORTED_FLAGS);
  if (readU32(arcb, ARCB_MAI_OFFSET) !== MAI_HMAC_SHA512) uvFail(UV_RC.UNSUPPORTED_ALGORITHM);
  const hasNonce = (flags & PAF_NONCE) !== 0n;
  if (sea !== MEASUREMENT_KEY_SIZE + (hasNonce ? NONCE_SIZE : 0)) uvFail(UV_RC.INVALID_ENCRYPTED_SIZE);
  // 3.–4. find the key slot, unwrap the ARPK, decrypt the confidential area
  const hostKeys = params.hostPrivateKeys.map((k) => {
    const pair = p521KeyPairFromPrivate(k);
    return { privateKey: new SecretBytes(pair.privateKey), phkh: computePhkh(pair.publicCoords) };
  });
  let unwrapped;
  try {
    unwrapped = unwrapArpk(arcb, nks, hostKeys);
  } finally {
    for (const h of hostKeys) h.privateKey.wipe();
  }
  const { arpk, phkh: attestationPhkh } = unwrapped;
  const aadSize = ARCB_FIXED_AAD_SIZE + KEY_SLOT_SIZE * nks;
  let plain: SecretBytes;
  try {
    const iv = arcb.subarray(ARCB_IV_OFFSET, ARCB_IV_OFFSET + ARCB_IV_SIZE);
    plain = new SecretBytes(aes256GcmDecrypt(arpk.bytes, iv, arcb.subarray(0, aadSize), arcb.subarray(aadSize)));
  } catch {
    uvFail(UV_RC.NO_VALID_HOST_KEY);
  } finally {
    arpk.wipe();
  }
  try {
    return respond(params, request, header, hostKeys, attestationPhkh, flags, hasNonce, plain.bytes);
  } finally {
    plain.wipe();
  }
}

/** Steps 5–7 with the decrypted confidential area (`plain`, wiped by the caller). */
function respond(
  params: PerformAttestationParams,
  request: ReturnType<typeof parseExchangeRequest>,
  header: SeHeader,
  hostKeys: readonly { phkh: Uint8Array }[],
  attestationPhkh: Uint8Array,
  flags: bigint,
  hasNonce: boolean,
  plain: Uint8Array,
): Uint8Array {
  const arcb = request.arcb;
  // 5. measurement buffer
  if (request.measurementSize < 64) uvFail(UV_RC.MEASUREMENT_BUFFER_TOO_SMALL);
  // 6. additional data in flag order
  const parts: Uint8Array[] = [];
  if ((flags & PAF_IMAGE_PHKH) !== 0n)
    parts.push(
      imagePhkhOf(
        header,
        hostKeys.map((h) => h.phkh),
      ),
    );
  if ((flags & PAF_ATTESTATION_PHKH) !== 0n) parts.push(attestationPhkh);
  if ((flags & PAF_SECRET_STORE_HASH) !== 0n) {
    parts.push(computeSecretStoreHash(params.secretStore?.tags ?? [], params.secretStore?.locked ?? false));
  }
  if ((flags & PAF_FIRMWARE_STATE) !== 0n) {
    const fw = params.firmwareState ?? new Uint8Array(FIRMWARE_STATE_SIZE);
    if (fw.length !== FIRMWARE_STATE_SIZE)
      throw new AttestError('ERR_INPUT_INVALID', 'firmware state must be 320 bytes');
    parts.push(fw);
  }
  const additional = Buffer.concat(parts);
  if (request.additionalSize < additional.length) uvFail(UV_RC.ADDITIONAL_BUFFER_TOO_SMALL);
  // 7. the measurement
  const measurementKey = plain.subarray(0, MEASUREMENT_KEY_SIZE);
  const nonce = hasNonce ? plain.slice(MEASUREMENT_KEY_SIZE, MEASUREMENT_KEY_SIZE + NONCE_SIZE) : undefined;
  const measurement = new Uint8Array(request.measurementSize);
  measurement.set(
    computeMeasurement({
      measurementKey,
      tags: header,
      cuid: params.cuid,
      userData: params.userData,
      nonce,
      additionalData: additional,
    }),
  );
  return encodeExchangeResponse({
    arcb,
    measurement,
    additionalData: additional.length > 0 ? new Uint8Array(additional) : undefined,
    userData: params.userData,
    cuid: params.cuid,
  });
}
