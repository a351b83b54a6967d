/**
 * Signature algorithms and checks: the algorithm facts the strength rules need (digest security bits), signature
 * verification over the exact signed bytes with Node's crypto (RSA PKCS#1 v1.5, RSA-PSS and ECDSA with
 * SHA-224/256/384/512; SHA-1/MD5 are named so the strength rules can reject them), public keys and their
 * OpenSSL-style security bits.
 */
import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** A signature algorithm, with what Node needs to verify it. */
export interface SignatureAlgorithm {
  readonly oid: string;
  readonly name: string;
  /** Node hash name, or undefined when the algorithm is unsupported. */
  readonly hash?: string;
  readonly kind: 'rsa' | 'rsa-pss' | 'ecdsa' | 'unknown';
  readonly pssSaltLength?: number;
  /** Digest security bits (SHA-1 63, SHA-256 128, ...), as OpenSSL rates them. */
  readonly digestBits: number;
}

/** The RSASSA-PSS algorithm OID; its hash and salt length come from the parameters. */
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';

interface AlgorithmFacts {
  readonly name: string;
  readonly hash?: string;
  readonly kind: SignatureAlgorithm['kind'];
  readonly bits: number;
}

/** Supported signature algorithm OIDs. */
const SIG_ALGS: Readonly<Record<string, AlgorithmFacts>> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5', kind: 'rsa', bits: 39 },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1', kind: 'rsa', bits: 63 },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224', kind: 'rsa', bits: 112 },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256', kind: 'rsa', bits: 128 },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384', kind: 'rsa', bits: 192 },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512', kind: 'rsa', bits: 256 },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1', kind: 'ecdsa', bits: 63 },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224', kind: 'ecdsa', bits: 112 },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256', kind: 'ecdsa', bits: 128 },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384', kind: 'ecdsa', bits: 192 },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512', kind: 'ecdsa', bits: 256 },
};
/** id-sha1 (RFC 3279), RSASSA-PSS-params' default hash. */
const OID_SHA1 = '1.3.14.3.2.26';
/** The hash AlgorithmIdentifier OIDs of RSASSA-PSS-params (RFC 4055) → Node hash and digest bits. */
const PSS_HASHES: Readonly<Record<string, { hash: string; bits: number }>> = {
  [OID_SHA1]: { hash: 'sha1', bits: 63 },
  '2.16.840.1.101.3.4.2.4': { hash: 'sha224', bits: 112 },
  '2.16.840.1.101.3.4.2.1': { hash: 'sha256', bits: 128 },
  '2.16.840.1.101.3.4.2.2': { hash: 'sha384', bits: 192 },
  '2.16.840.1.101.3.4.2.3': { hash: 'sha512', bits: 256 },
};
/** RFC 4055 defaults of RSASSA-PSS-params: SHA-1, salt length 20. */
const PSS_DEFAULT_HASH_OID = OID_SHA1;
const PSS_DEFAULT_SALT = 20;

/**
 * The algorithm of an AlgorithmIdentifier OID. For RSA-PSS, `pss` is what its parameters say (the hash's OID and
 * the salt length; absent fields take RFC 4055's defaults).
 */
export function signatureAlgorithmOf(
  oid: string,
  pss?: { readonly hashOid?: string; readonly saltLength?: number },
): SignatureAlgorithm {
  if (oid === OID_RSASSA_PSS) {
    const h = PSS_HASHES[pss?.hashOid ?? PSS_DEFAULT_HASH_OID];
    if (!h) return { oid, name: 'rsassaPss(unknown hash)', kind: 'unknown', digestBits: 0 };
    return {
      oid,
      name: `rsassaPss(${h.hash})`,
      hash: h.hash,
      kind: 'rsa-pss',
      pssSaltLength: pss?.saltLength ?? PSS_DEFAULT_SALT,
      digestBits: h.bits,
    };
  }
  const known = SIG_ALGS[oid];
  if (!known) return { oid, name: oid, kind: 'unknown', digestBits: 0 };
  return { oid, name: known.name, hash: known.hash, kind: known.kind, digestBits: known.bits };
}

/** True when `signature` over `signed` verifies with `key` under `alg`; false for any mismatch or unsupported combination. */
export function verifySignature(
  alg: SignatureAlgorithm,
  signed: Uint8Array,
  signature: Uint8Array,
  key: KeyObject | null,
): boolean {
  if (!key || alg.kind === 'unknown' || !alg.hash) return false;
  const type = key.asymmetricKeyType;
  try {
    switch (alg.kind) {
      case 'rsa':
        if (type !== 'rsa') return false;
        return cryptoVerify(alg.hash, signed, key, signature);
      case 'rsa-pss':
        if (type !== 'rsa' && type !== 'rsa-pss') return false;
        return cryptoVerify(
          alg.hash,
          signed,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pssSaltLength ?? PSS_DEFAULT_SALT },
          signature,
        );
      case 'ecdsa':
        if (type !== 'ec') return false;
        return cryptoVerify(alg.hash, signed, { key, dsaEncoding: 'der' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** The Node KeyObject of a SubjectPublicKeyInfo, or null when Node cannot import it. */
export function publicKeyFromSpki(spki: Uint8Array): KeyObject | null {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** OpenSSL security bits of EC named curves. */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime192v1: 80,
  secp224r1: 112,
  prime256v1: 128,
  secp256k1: 128,
  secp384r1: 192,
  secp521r1: 256,
};

/** OpenSSL-style security bits of a public key (RSA 2048 → 112, EC P-521 → 256); 0 when unknown. */
export function securityBits(key: KeyObject | null): number {
  if (!key) return 0;
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const n = d.modulusLength ?? 0;
    if (n >= 15360) return 256;
    if (n >= 7680) return 192;
    if (n >= 3072) return 128;
    if (n >= 2048) return 112;
    if (n >= 1024) return 80;
    return 0;
  }
  if (key.asymmetricKeyType === 'ec') return CURVE_BITS[d.namedCurve ?? ''] ?? 0;
  if (key.asymmetricKeyType === 'ed25519') return 128;
  if (key.asymmetricKeyType === 'ed448') return 224;
  return 0;
}
