/**
 * Cryptographic building blocks of IBM SE attestation (spec §1): SHA-256/512, HMAC-SHA512, AES-256-GCM,
 * the ANSI X9.63 SHA-256 KDF (one block, counter 1, no SharedInfo), HKDF-SHA512 (RFC 5869) and a constant-time
 * compare.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hash, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';

export const AES_256_KEY_SIZE = 32;
export const GCM_IV_SIZE = 12;
export const GCM_TAG_SIZE = 16;

/** SHA-256 over the concatenation of `parts`. */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * SHA-256 (lowercase hex) of bytes or of a UTF-8 string: the one hex-digest helper (certificate and CRL
 * fingerprints, stored rows' content hashes, evidence files).
 */
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex'); // one-shot: half the cost of a Hash object (the store hashes per row)
}

/** SHA-512 over the concatenation of `parts`. */
export function sha512(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HMAC-SHA512 with `key` over the concatenation of `parts`. */
export function hmacSha512(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac('sha512', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** ANSI X9.63 KDF with SHA-256, one output block: SHA-256(Z ‖ 00 00 00 01). */
export function kdfX963Sha256(sharedSecret: Uint8Array): Uint8Array {
  return sha256(sharedSecret, Uint8Array.of(0, 0, 0, 1));
}

/** HKDF (RFC 5869, extract-then-expand) with SHA-512. */
export function hkdfSha512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha512', ikm, salt, info, length));
}

function checkKeyAndIv(key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== AES_256_KEY_SIZE)
    throw new AttestError('ERR_INPUT_INVALID', `AES-256 key must be 32 bytes, is ${key.length}`);
  if (iv.length !== GCM_IV_SIZE) throw new AttestError('ERR_INPUT_INVALID', `GCM IV must be 12 bytes, is ${iv.length}`);
}

/** AES-256-GCM encryption; returns ciphertext ‖ 16-byte tag. */
export function aes256GcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKeyAndIv(key, iv);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_SIZE });
  c.setAAD(aad);
  const a = c.update(plaintext);
  const b = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(a.length + b.length + tag.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(tag, a.length + b.length);
  return out;
}

/**
 * AES-256-GCM decryption of ciphertext ‖ tag. A tag failure throws `failureCode` (default
 * ERR_ARCB_TAG_MISMATCH) without revealing anything about the key.
 */
export function aes256GcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  ciphertextAndTag: Uint8Array,
  failureCode: ErrorCode = 'ERR_ARCB_TAG_MISMATCH',
): Uint8Array {
  checkKeyAndIv(key, iv);
  if (ciphertextAndTag.length < GCM_TAG_SIZE) throw new AttestError(failureCode, 'ciphertext shorter than the GCM tag');
  const ctLen = ciphertextAndTag.length - GCM_TAG_SIZE;
  const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_SIZE });
  d.setAAD(aad);
  d.setAuthTag(ciphertextAndTag.subarray(ctLen));
  try {
    const a = d.update(ciphertextAndTag.subarray(0, ctLen));
    const b = d.final();
    return new Uint8Array(Buffer.concat([a, b]));
  } catch {
    throw new AttestError(failureCode, 'Decryption failed. Probably due to a GCM tag mismatch.');
  }
}

/** Constant-time equality; arrays of different length are unequal. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
