/**
 * The attestation measurement (spec §4.1): HMAC-SHA512 keyed with the request's measurement key over
 *
 * | # | Size | Content |
 * |---|---|---|
 * | 1–3 | 3 × 64 | PLD, ALD, TLD of the SE header |
 * | 4 | 16 | SE header tag |
 * | 5 | 16 | CUID |
 * | 6 | 2 | user-data length (u16 BE) |
 * | 7 | 2 | zero |
 * | 8 | 4 | additional-data length (u32 BE) |
 * | 9 | 0..256 | user data |
 * | 10 | 0/16 | nonce |
 * | 11 | 0..n | additional data |
 */
import { AttestError } from '../../../shared/errors/index.js';
import { writeU32 } from '../bytes.js';
import { hmacSha512, sha512 } from '../crypto/primitives.js';
import { MAX_USER_DATA_SIZE } from '../formats/exchange.js';
import type { SeHeaderTags } from '../formats/se-header.js';

/** Inputs of the measurement HMAC. */
export interface MeasurementParams {
  readonly measurementKey: Uint8Array;
  readonly tags: SeHeaderTags;
  readonly cuid: Uint8Array;
  readonly userData?: Uint8Array | undefined;
  readonly nonce?: Uint8Array | undefined;
  readonly additionalData?: Uint8Array | undefined;
}

/** Computes the 64-byte measurement. Throws ERR_USER_DATA_SIZE above 256 bytes of user data. */
export function computeMeasurement(p: MeasurementParams): Uint8Array {
  const user = p.userData ?? new Uint8Array(0);
  const add = p.additionalData ?? new Uint8Array(0);
  if (user.length > MAX_USER_DATA_SIZE)
    throw new AttestError('ERR_USER_DATA_SIZE', `user data must be at most 256 bytes, is ${user.length}`);
  const lengths = new Uint8Array(8);
  lengths[0] = user.length >>> 8;
  lengths[1] = user.length & 0xff;
  writeU32(lengths, 4, add.length);
  const parts = [p.tags.pld, p.tags.ald, p.tags.tld, p.tags.tag, p.cuid, lengths, user];
  if (p.nonce) parts.push(p.nonce);
  parts.push(add);
  return hmacSha512(p.measurementKey, ...parts);
}

/** Secret-store hash (spec §8.3): SHA-512 over the add-secret request tags in order, then the lock byte. */
export function computeSecretStoreHash(tags: readonly Uint8Array[], locked: boolean): Uint8Array {
  return sha512(...tags, Uint8Array.of(locked ? 1 : 0));
}
