/**
 * The key wrap of SE key slots (spec attestation §2.3, add-secret §2.8, SE header §6.1): the KEK is the X9.63
 * SHA-256 KDF of the P-521 ECDH shared secret of one party's private key and the other's public key, and the
 * 32-byte key (ARPK, add-secret protection key, SE header key) is sealed with AES-256-GCM under the KEK with an
 * all-zero IV and no AAD. The one place that derives a KEK: the shared secret and the KEK are wiped on every
 * path, an exception included.
 */
import { withSecret } from '../bytes.js';
import { p521Ecdh } from './p521.js';
import { aes256GcmDecrypt, aes256GcmEncrypt, GCM_IV_SIZE, kdfX963Sha256 } from './primitives.js';
import type { ErrorCode } from '../../../shared/errors/index.js';

/** The IV of every key-slot wrap: all zeros (each KEK is used once). */
const KEY_SLOT_WRAP_IV = new Uint8Array(GCM_IV_SIZE);

/**
 * Runs `use` with the KEK of `privateKey` and `peerPublicCoords`; the ECDH shared secret is wiped as soon as the
 * KEK is derived and the KEK when `use` returns or throws. ECDH failures throw ERR_HOST_KEY_INVALID.
 */
export function withKeySlotKek<T>(
  privateKey: Uint8Array,
  peerPublicCoords: Uint8Array,
  use: (kek: Uint8Array) => T,
): T {
  const kek = withSecret(p521Ecdh(privateKey, peerPublicCoords), (shared) => kdfX963Sha256(shared.bytes));
  return withSecret(kek, (k) => use(k.bytes));
}

/** Wraps `key` for the holder of the peer's private key: ciphertext ‖ tag (key length + 16 bytes). */
export function wrapKeySlotKey(privateKey: Uint8Array, peerPublicCoords: Uint8Array, key: Uint8Array): Uint8Array {
  return withKeySlotKek(privateKey, peerPublicCoords, (kek) =>
    aes256GcmEncrypt(kek, KEY_SLOT_WRAP_IV, new Uint8Array(0), key),
  );
}

/**
 * Unwraps a key-slot key (ciphertext ‖ tag); the caller owns (and wipes) the result. A tag mismatch throws
 * `failureCode` (default ERR_ARCB_TAG_MISMATCH), an unusable key ERR_HOST_KEY_INVALID.
 */
export function unwrapKeySlotKey(
  privateKey: Uint8Array,
  peerPublicCoords: Uint8Array,
  wrappedAndTag: Uint8Array,
  failureCode?: ErrorCode,
): Uint8Array {
  return withKeySlotKek(privateKey, peerPublicCoords, (kek) =>
    aes256GcmDecrypt(kek, KEY_SLOT_WRAP_IV, new Uint8Array(0), wrappedAndTag, failureCode),
  );
}
