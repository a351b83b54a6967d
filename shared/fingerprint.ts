/**
 * OpenSSH SHA-256 fingerprints, as `ssh-keygen -l` prints them: `SHA256:` followed by the digest in base64
 * without padding (43 characters). Defined once: the SSH transport (host keys), the evidence signing key, the
 * IPC schemas and the renderer's guest form use it. Pure (no Node APIs): the renderer imports it too.
 */

/** The prefix of every fingerprint. */
export const SHA256_FINGERPRINT_PREFIX = 'SHA256:';

/** A well-formed fingerprint (unpadded). */
export const SHA256_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The fingerprint of a SHA-256 digest (32 bytes): `SHA256:` + unpadded base64. */
export function formatSha256Fingerprint(digest: Uint8Array): string {
  let binary = '';
  for (const b of digest) binary += String.fromCharCode(b);
  return SHA256_FINGERPRINT_PREFIX + btoa(binary).replace(/=+$/, '');
}

/** The digest bytes of a well-formed fingerprint (padded or not); undefined when it is not one. */
export function sha256FingerprintDigest(fingerprint: string): Uint8Array | undefined {
  const unpadded = fingerprint.replace(/=+$/, '');
  if (!SHA256_FINGERPRINT_PATTERN.test(unpadded)) return undefined;
  const binary = atob(unpadded.slice(SHA256_FINGERPRINT_PREFIX.length) + '=');
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
