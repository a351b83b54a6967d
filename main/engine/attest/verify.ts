/**
 * `verifyAttestationResponse` (pvattest `verify`, spec §9.2): decrypt the request with the ARPK, recompute the
 * measurement over the SE header tags, CUID, user data, nonce and additional data, compare in constant time.
 * A mismatch is a result (`verified: false`); malformed input throws a coded error.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { aes256GcmDecrypt, constantTimeEqual } from '../crypto/primitives.js';
import { ARPK_SIZE, decryptArcbWith, parseArcb, type Dialect } from '../formats/arcb.js';
import { decodeAdditionalData, type AdditionalDataFields } from '../formats/additional-data.js';
import { parseExchangeResponse } from '../formats/exchange.js';
import { wipe, type ByteSource } from '../bytes.js';
import { findSeHeaderTags, parseSeHeaderTagsC, type SeHeaderTags } from '../formats/se-header.js';
import { computeMeasurement } from './measurement.js';

/** Inputs of `verifyAttestationResponse`. */
export interface VerifyAttestationResponseParams {
  /** The response exchange file. */
  readonly response: Uint8Array;
  /** The 32-byte ARPK written by `create`. */
  readonly arpk: Uint8Array;
  /** A bare SE header, an SE image (in memory, or a ByteSource read by position), or already extracted tags. */
  readonly seHeader: Uint8Array | ByteSource | SeHeaderTags;
  /** Reader rules: IBM's Rust tool (default) or the C one. */
  readonly dialect?: Dialect;
}

/** The outcome of a verification. */
export interface AttestationVerification {
  /** True when the recomputed measurement equals the guest's. */
  readonly verified: boolean;
  readonly cuid: Uint8Array;
  readonly measurement: Uint8Array;
  readonly userData: Uint8Array | undefined;
  readonly additionalData: Uint8Array | undefined;
  /** Decoded additional data (only when verified and additional data is present). */
  readonly additional: AdditionalDataFields | undefined;
  /** The ARCB's plaintext attestation flags. */
  readonly flags: bigint;
  readonly nonce: Uint8Array | undefined;
  /** PHKHs of the request's key slots. */
  readonly requestPhkhs: readonly Uint8Array[];
  /** Warnings found on the way (e.g. unknown image metadata version). */
  readonly warnings: readonly string[];
}

/** Extracts the measured tags from a header/image (Rust or C rules) or passes given tags through. */
export function resolveSeHeaderTags(
  seHeader: Uint8Array | ByteSource | SeHeaderTags,
  dialect: Dialect,
): { tags: SeHeaderTags; warnings: string[] } {
  if (!(seHeader instanceof Uint8Array) && !('read' in seHeader)) return { tags: seHeader, warnings: [] };
  if (dialect === 'c') return { tags: parseSeHeaderTagsC(seHeader), warnings: [] };
  const { tags, location } = findSeHeaderTags(seHeader);
  return { tags, warnings: [...location.warnings] };
}

/** Verifies an attestation response; see the module summary for the result/exception split. */
export function verifyAttestationResponse(params: VerifyAttestationResponseParams): AttestationVerification {
  const dialect = params.dialect ?? 'rust';
  if (params.arpk.length !== ARPK_SIZE) {
    throw new AttestError('ERR_ARPK_SIZE', 'Attestation request protection key must be exactly 32 bytes long', {
      size: params.arpk.length,
    });
  }
  const { tags, warnings } = resolveSeHeaderTags(params.seHeader, dialect);
  const response = parseExchangeResponse(params.response, dialect);
  const info = parseArcb(response.arcb, dialect);
  const secrets = decryptArcbWith(
    response.arcb,
    info,
    (iv, aad, sealed) => aes256GcmDecrypt(params.arpk, iv, aad, sealed, 'ERR_ARCB_TAG_MISMATCH'),
    dialect,
  );
  let computed: Uint8Array;
  try {
    computed = computeMeasurement({
      measurementKey: secrets.measurementKey,
      tags,
      cuid: response.cuid,
      userData: response.userData,
      nonce: secrets.nonce,
      additionalData: response.additionalData,
    });
  } finally {
    wipe(secrets.measurementKey);
  }
  const verified = constantTimeEqual(computed, response.measurement);
  const additional =
    verified && response.additionalData && dialect === 'rust'
      ? decodeAdditionalData(info.flags, response.additionalData)
      : undefined;
  return {
    verified,
    cuid: response.cuid,
    measurement: response.measurement,
    userData: response.userData,
    additionalData: response.additionalData,
    additional,
    flags: info.flags,
    nonce: secrets.nonce,
    requestPhkhs: info.keySlots.map((s) => s.phkh),
    warnings,
  };
}
