/**
 * Signature checks over raw TBS bytes with Node's crypto: RSA PKCS#1 v1.5, RSA-PSS and ECDSA with
 * SHA-224/256/384/512 (SHA-1/MD5 are parsed so that strength rules can name them).
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from './x509-parse.js';

/** True when `signature` over `tbs` verifies with `key` under `alg`; false for any mismatch or unsupported combination. */
export function verifySignature(
  alg: SignatureAlgorithm,
  tbs: Uint8Array,
  signature: Uint8Array,
  key: KeyObject | null,
): boolean {
  if (!key || alg.kind === 'unknown' || !alg.hash) return false;
  const type = key.asymmetricKeyType;
  try {
    switch (alg.kind) {
      case 'rsa':
        if (type !== 'rsa') return false;
        return cryptoVerify(alg.hash, tbs, key, signature);
      case 'rsa-pss':
        if (type !== 'rsa' && type !== 'rsa-pss') return false;
        return cryptoVerify(
          alg.hash,
          tbs,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSaltLength ?? 20 },
          signature,
        );
      case 'ecdsa':
        if (type !== 'ec') return false;
        return cryptoVerify(alg.hash, tbs, { key, dsaEncoding: 'der' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
