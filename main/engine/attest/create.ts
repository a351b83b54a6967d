/**
 * `createAttestationRequest` (pvattest `create`, spec §2.7): a fresh ARPK, customer P-521 key, measurement key
 * and nonce; one key slot per host key in the given order; the ARCB wrapped in a request exchange file.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { SecretBytes } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import { wrapKeySlotKey } from '../crypto/key-slot-wrap.js';
import { computePhkh, generateP521KeyPair, p521KeyPairFromPrivate } from '../crypto/p521.js';
import { aes256GcmEncrypt, GCM_IV_SIZE } from '../crypto/primitives.js';
import {
  ARPK_SIZE,
  KEY_SLOT_PHKH_SIZE,
  MAX_KEY_SLOTS,
  MEASUREMENT_KEY_SIZE,
  NONCE_SIZE,
  PAF_NONCE,
  encodeArcb,
  encodeKeySlot,
} from '../formats/arcb.js';
import { expectedAddDataSize, flagsForAddData, type AddDataKind } from '../formats/additional-data.js';
import { MEASUREMENT_SIZE_HMAC_SHA512, encodeExchangeRequest } from '../formats/exchange.js';

export type { AddDataKind } from '../formats/additional-data.js';

/** Inputs of `createAttestationRequest`. */
export interface CreateAttestationRequestParams {
  /** Host public keys in the 160-byte coordinate encoding, one key slot each, in this order (1..255). */
  readonly hostKeys: readonly Uint8Array[];
  /** Additional data to request (pvattest `--add-data`). */
  readonly addData?: readonly AddDataKind[];
  /** Include a nonce (default true, as Rust pvattest always does; C's `--x-no-nonce` is false). */
  readonly nonce?: boolean;
  /** Extra PAF bits ORed in (C's `--x-paf`); the nonce bit is refused. */
  readonly extraFlags?: bigint;
  readonly ctx: EngineContext;
  /** A fixed customer private key (tests reproducing IBM's vectors); by default a fresh key is drawn. */
  readonly customerPrivateKey?: Uint8Array;
}

/** The created request: the exchange file to send, the bare ARCB and the secret ARPK to keep. */
export interface AttestationRequest {
  readonly exchange: Uint8Array;
  readonly arcb: Uint8Array;
  /** Attestation request protection key: a secret, needed by `verify`. */
  readonly arpk: Uint8Array;
  /** PHKH of each key slot, in slot order. */
  readonly phkhs: readonly Uint8Array[];
  readonly flags: bigint;
}

/**
 * Builds one 80-byte key slot: PHKH of the host key and the ARPK wrapped under the ECDH-derived KEK (the shared
 * secret and the KEK are wiped on every path: crypto/key-slot-wrap).
 */
export function buildKeySlot(
  customerPrivateKey: Uint8Array,
  hostPublicCoords: Uint8Array,
  arpk: Uint8Array,
): Uint8Array {
  return encodeKeySlot(computePhkh(hostPublicCoords), wrapKeySlotKey(customerPrivateKey, hostPublicCoords, arpk));
}

/**
 * Creates an attestation request. Randomness is drawn in this order: ARPK (32), IV (12), measurement key (64),
 * nonce (16, when used), then the customer key. Errors: ERR_CREATE_NO_HOST_KEY, ERR_CREATE_TOO_MANY_HOST_KEYS,
 * ERR_HOST_KEY_INVALID / ERR_HOST_KEY_NOT_P521, ERR_ARCB_FLAGS. The measurement key and the customer private key
 * are wiped before it returns, the ARPK too when it throws (on success the caller owns it).
 */
export function createAttestationRequest(params: CreateAttestationRequestParams): AttestationRequest {
  const { hostKeys, ctx } = params;
  if (hostKeys.length === 0)
    throw new AttestError('ERR_CREATE_NO_HOST_KEY', 'at least one host-key document is required');
  if (hostKeys.length > MAX_KEY_SLOTS) {
    throw new AttestError('ERR_CREATE_TOO_MANY_HOST_KEYS', `at most 255 host-key documents, got ${hostKeys.length}`);
  }
  const extra = params.extraFlags ?? 0n;
  if ((extra & PAF_NONCE) !== 0n) throw new AttestError('ERR_ARCB_FLAGS', 'the nonce flag cannot be set by hand');
  const flags = flagsForAddData(params.addData ?? []) | extra;
  const arpk = new SecretBytes(ctx.randomBytes(ARPK_SIZE));
  const iv = ctx.randomBytes(GCM_IV_SIZE);
  const measurementKey = new SecretBytes(ctx.randomBytes(MEASUREMENT_KEY_SIZE));
  const nonce = params.nonce === false ? undefined : ctx.randomBytes(NONCE_SIZE);
  let customerKey: SecretBytes | undefined;
  try {
    const customer = params.customerPrivateKey
      ? p521KeyPairFromPrivate(params.customerPrivateKey)
      : generateP521KeyPair(ctx);
    customerKey = new SecretBytes(customer.privateKey);
    const keySlots = hostKeys.map((host) => buildKeySlot(customer.privateKey, host, arpk.bytes));
    const arcb = encodeArcb({
      iv,
      flags,
      customerPublicKey: customer.publicCoords,
      keySlots,
      measurementKey: measurementKey.bytes,
      nonce,
      encrypt: (i, aad, pt) => aes256GcmEncrypt(arpk.bytes, i, aad, pt),
    });
    const exchange = encodeExchangeRequest({
      arcb,
      measurementSize: MEASUREMENT_SIZE_HMAC_SHA512,
      additionalSize: expectedAddDataSize(flags),
    });
    return {
      exchange,
      arcb,
      arpk: arpk.release(),
      phkhs: keySlots.map((s) => s.slice(0, KEY_SLOT_PHKH_SIZE)),
      flags: nonce ? flags | PAF_NONCE : flags,
    };
  } finally {
    arpk.wipe(); // a no-op once released to the caller
    measurementKey.wipe();
    customerKey?.wipe();
  }
}
