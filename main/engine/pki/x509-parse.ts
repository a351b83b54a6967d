/**
 * X.509 certificate and CRL parsing for verification: exactly the fields the HKD verifier needs, read with
 * the bounds-checked DER reader (raw TBS bytes for signature checks, names in two comparison forms, the
 * extensions the strict profile looks at, and CRL serials indexed in a Set).
 *
 * | Structure | Layout (RFC 5280) |
 * |---|---|
 * | Certificate | SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING } |
 * | TBSCertificate | [0] version?, serial, signature, issuer, validity, subject, spki, [1]?, [2]?, [3] extensions? |
 * | CertificateList | SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue } |
 * | TBSCertList | version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions? |
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import {
  type DerElement,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_UTC_TIME,
  TAG_GENERALIZED_TIME,
  decodeOid,
  decodeString,
  decodeTime,
  encodingOf,
  forEachChild,
  integerHex,
  readChildren,
  readElement,
  readTop,
  valueOf,
} from './der.js';

export const OID_CN = '2.5.4.3';
export const OID_C = '2.5.4.6';
export const OID_L = '2.5.4.7';
export const OID_ST = '2.5.4.8';
export const OID_O = '2.5.4.10';
export const OID_OU = '2.5.4.11';
const SHORT_NAMES: Record<string, string> = {
  [OID_CN]: 'CN',
  [OID_C]: 'C',
  [OID_L]: 'L',
  [OID_ST]: 'ST',
  [OID_O]: 'O',
  [OID_OU]: 'OU',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** One attribute-value assertion of a name. */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** A distinguished name: RDNs in encoded order, plus its OpenSSL-style canonical key (spec §3.9). */
export interface ParsedName {
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** Canonical comparison key: order-significant, OIDs equal, values trimmed, whitespace-collapsed, ASCII lower-cased. */
  readonly canonical: string;
  /** RFC 4514-like display text in encoded order. */
  readonly text: string;
}

/** The parsed AuthorityKeyIdentifier extension. */
export interface AuthorityKeyId {
  readonly keyId?: string;
  readonly issuerNames: readonly ParsedName[];
  readonly serial?: string;
}

/** A signature algorithm, with what Node needs to verify it. */
export interface SignatureAlgorithm {
  readonly oid: string;
  readonly name: string;
  /** Node hash name, or undefined when the algorithm is unsupported. */
  readonly hash?: string;
  readonly kind: 'rsa' | 'rsa-pss' | 'ecdsa' | 'unknown';
  readonly pssSaltLength?: number;
  /** Digest security bits (SHA-1 80, SHA-256 128, ...). */
  readonly digestBits: number;
  /** DER of the whole AlgorithmIdentifier (to compare outer vs inner). */
  readonly encoding: Uint8Array;
}

/** One certificate extension. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: DerElement;
}

/** A certificate with the fields used by the verifier. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly version: number;
  readonly serial: string;
  readonly issuer: ParsedName;
  readonly subject: ParsedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly innerSignatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly extensions: readonly RawExtension[];
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number; readonly critical: boolean };
  /** keyUsage bits as a number (bit 0 = digitalSignature ... bit 5 = keyCertSign, bit 6 = cRLSign); undefined when absent. */
  readonly keyUsage?: number;
  readonly subjectKeyId?: string;
  readonly authorityKeyId?: AuthorityKeyId;
  readonly crlDistributionPoints: readonly string[];
  /** SHA-256 of the DER, hex (identity for de-duplication and display). */
  readonly fingerprint: string;
}

/** A CRL with the fields used by the verifier; revoked serials are indexed in a Set. */
export interface ParsedCrl {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly issuer: ParsedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly innerSignatureAlgorithm: SignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly authorityKeyId?: AuthorityKeyId;
  readonly revoked: ReadonlySet<string>;
  readonly fingerprint: string;
}

export const KU_DIGITAL_SIGNATURE = 1 << 0;
export const KU_KEY_CERT_SIGN = 1 << 5;
export const KU_CRL_SIGN = 1 << 6;

/** Supported signature algorithm OIDs. */
const SIG_ALGS: Record<string, { name: string; hash?: string; kind: SignatureAlgorithm['kind']; bits: number }> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5', kind: 'rsa', bits: 39 },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1', kind: 'rsa', bits: 63 },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224', kind: 'rsa', bits: 112 },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256', kind: 'rsa', bits: 128 },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384', kind: 'rsa', bits: 192 },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512', kind: 'rsa', bits: 256 },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', kind: 'rsa-pss', bits: 0 },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1', kind: 'ecdsa', bits: 63 },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224', kind: 'ecdsa', bits: 112 },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256', kind: 'ecdsa', bits: 128 },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384', kind: 'ecdsa', bits: 192 },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512', kind: 'ecdsa', bits: 256 },
};
const HASH_OIDS: Record<string, { hash: string; bits: number }> = {
  '1.3.14.3.2.26': { hash: 'sha1', bits: 63 },
  '2.16.840.1.101.3.4.2.4': { hash: 'sha224', bits: 112 },
  '2.16.840.1.101.3.4.2.1': { hash: 'sha256', bits: 128 },
  '2.16.840.1.101.3.4.2.2': { hash: 'sha384', bits: 192 },
  '2.16.840.1.101.3.4.2.3': { hash: 'sha512', bits: 256 },
};

/** Throws a coded malformed-input error. */
function bad(code: ErrorCode, what: string): never {
  throw new AttestError(code, `malformed ${what}`);
}

/** Reads an AlgorithmIdentifier. */
function parseAlgorithm(el: DerElement, code: ErrorCode): SignatureAlgorithm {
  if (el.tag !== TAG_SEQUENCE) bad(code, 'AlgorithmIdentifier');
  const kids = readChildren(el, code);
  if (kids.length === 0 || kids[0]!.tag !== TAG_OID) bad(code, 'AlgorithmIdentifier');
  const oid = decodeOid(kids[0]!);
  const known = SIG_ALGS[oid];
  const encoding = encodingOf(el);
  if (!known) return { oid, name: oid, kind: 'unknown', digestBits: 0, encoding };
  if (known.kind !== 'rsa-pss')
    return { oid, name: known.name, hash: known.hash, kind: known.kind, digestBits: known.bits, encoding };
  // RSASSA-PSS-params ::= SEQUENCE { [0] hashAlgorithm, [1] maskGenAlgorithm, [2] saltLength INTEGER, [3] trailerField }
  let hash = 'sha1';
  let bits = 63;
  let salt = 20;
  const params = kids[1];
  if (params && params.tag === TAG_SEQUENCE) {
    for (const p of readChildren(params, code)) {
      if (p.tag === 0xa0) {
        const alg = readChildren(readElement(p.bytes, p.start, p.end, code), code)[0];
        const h = alg && alg.tag === TAG_OID ? HASH_OIDS[decodeOid(alg)] : undefined;
        if (!h) return { oid, name: 'rsassaPss(unknown hash)', kind: 'unknown', digestBits: 0, encoding };
        hash = h.hash;
        bits = h.bits;
      } else if (p.tag === 0xa2) {
        const i = readElement(p.bytes, p.start, p.end, code);
        salt = Number.parseInt(integerHex(i), 16);
      }
    }
  }
  return { oid, name: `rsassaPss(${hash})`, hash, kind: 'rsa-pss', pssSaltLength: salt, digestBits: bits, encoding };
}

/** Canonical form of one attribute value (OpenSSL X509_NAME canon, spec §3.9). */
function canonValue(v: string): string {
  return v
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Parses a Name. */
export function parseName(el: DerElement, code: ErrorCode): ParsedName {
  if (el.tag !== TAG_SEQUENCE) bad(code, 'Name');
  const rdns: NameAttribute[][] = [];
  for (const set of readChildren(el, code)) {
    const attrs: NameAttribute[] = [];
    for (const atv of readChildren(set, code)) {
      const [oidEl, valEl] = readChildren(atv, code);
      if (!oidEl || !valEl || oidEl.tag !== TAG_OID) bad(code, 'Name attribute');
      attrs.push({ oid: decodeOid(oidEl), value: decodeString(valEl) });
    }
    rdns.push(attrs);
  }
  return buildName(rdns);
}

/** Builds a ParsedName (with canonical key and display text) from RDNs. */
export function buildName(rdns: readonly (readonly NameAttribute[])[]): ParsedName {
  const canonical = rdns
    .map((rdn) =>
      rdn
        .map((a) => `${a.oid}=${JSON.stringify(canonValue(a.value))}`)
        .sort()
        .join('+'),
    )
    .join(',');
  const text = rdns.map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value}`).join('+')).join(', ');
  return { rdns, canonical, text };
}

/** The first value of an attribute type in a name, or undefined. */
export function firstValue(name: ParsedName, oid: string): string | undefined {
  for (const rdn of name.rdns) for (const a of rdn) if (a.oid === oid) return a.value;
  return undefined;
}

/** Hex (upper case) of bytes. */
function hexOf(v: Uint8Array): string {
  return Buffer.from(v).toString('hex').toUpperCase();
}

/** Parses an AuthorityKeyIdentifier extension value. */
function parseAkid(octets: DerElement, code: ErrorCode): AuthorityKeyId {
  const seq = readElement(octets.bytes, octets.start, octets.end, code);
  let keyId: string | undefined;
  let serial: string | undefined;
  const issuerNames: ParsedName[] = [];
  for (const k of readChildren(seq, code)) {
    if (k.tag === 0x80) keyId = hexOf(valueOf(k));
    else if (k.tag === 0xa1) {
      for (const gn of readChildren(k, code)) {
        if (gn.tag === 0xa4) issuerNames.push(parseName(readElement(gn.bytes, gn.start, gn.end, code), code));
      }
    } else if (k.tag === 0x82) serial = integerHex(k);
  }
  return { keyId, issuerNames, serial };
}

/** Reads the URIs of a cRLDistributionPoints extension (fullName URIs, in order, spec §3.7). */
function parseCrlDp(octets: DerElement, code: ErrorCode): string[] {
  const uris: string[] = [];
  const seq = readElement(octets.bytes, octets.start, octets.end, code);
  for (const dp of readChildren(seq, code)) {
    for (const f of readChildren(dp, code)) {
      if (f.tag !== 0xa0) continue; // distributionPoint
      for (const dpn of readChildren(f, code)) {
        if (dpn.tag !== 0xa0) continue; // fullName (IMPLICIT GeneralNames)
        for (const gn of readChildren(dpn, code))
          if (gn.tag === 0x86) uris.push(Buffer.from(valueOf(gn)).toString('latin1'));
      }
    }
  }
  return uris;
}

/** Reads a BIT STRING keyUsage into a bit mask (bit i = named bit i). */
function parseKeyUsage(octets: DerElement, code: ErrorCode): number {
  const bs = readElement(octets.bytes, octets.start, octets.end, code);
  if (bs.tag !== TAG_BIT_STRING) bad(code, 'keyUsage');
  const v = valueOf(bs);
  let mask = 0;
  for (let byte = 1; byte < v.length && byte <= 2; byte++) {
    for (let bit = 0; bit < 8; bit++) if (v[byte]! & (0x80 >> bit)) mask |= 1 << ((byte - 1) * 8 + bit);
  }
  return mask;
}

/** Parses a certificate from DER; throws `code` on malformed input. */
export function parseCertificate(der: Uint8Array, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): ParsedCertificate {
  const top = readTop(der, code);
  if (top.tag !== TAG_SEQUENCE) bad(code, 'certificate');
  const [tbsEl, algEl, sigEl] = readChildren(top, code);
  if (!tbsEl || !algEl || !sigEl || tbsEl.tag !== TAG_SEQUENCE || sigEl.tag !== TAG_BIT_STRING)
    bad(code, 'certificate');
  const t = readChildren(tbsEl, code);
  let i = 0;
  let version = 1;
  if (t[0]?.tag === 0xa0) {
    const v = readElement(t[0].bytes, t[0].start, t[0].end, code);
    version = Number.parseInt(integerHex(v), 16) + 1;
    i = 1;
  }
  const serialEl = t[i++];
  const innerAlgEl = t[i++];
  const issuerEl = t[i++];
  const validityEl = t[i++];
  const subjectEl = t[i++];
  const spkiEl = t[i++];
  if (!serialEl || serialEl.tag !== TAG_INTEGER || !innerAlgEl || !issuerEl || !validityEl || !subjectEl || !spkiEl)
    bad(code, 'TBSCertificate');
  const [nb, na] = readChildren(validityEl, code);
  if (!nb || !na) bad(code, 'validity');
  const extensions: RawExtension[] = [];
  for (; i < t.length; i++) {
    if (t[i]!.tag !== 0xa3) continue;
    const extsSeq = readElement(t[i]!.bytes, t[i]!.start, t[i]!.end, code);
    for (const ext of readChildren(extsSeq, code)) {
      const parts = readChildren(ext, code);
      if (parts.length < 2 || parts[0]!.tag !== TAG_OID) bad(code, 'extension');
      const critical = parts.length === 3 && parts[1]!.tag === TAG_BOOLEAN && valueOf(parts[1]!)[0] !== 0;
      const value = parts[parts.length - 1]!;
      if (value.tag !== TAG_OCTET_STRING) bad(code, 'extension value');
      extensions.push({ oid: decodeOid(parts[0]!), critical, value });
    }
  }
  let basicConstraints: ParsedCertificate['basicConstraints'];
  let keyUsage: number | undefined;
  let subjectKeyId: string | undefined;
  let authorityKeyId: AuthorityKeyId | undefined;
  let crlDistributionPoints: string[] = [];
  for (const ext of extensions) {
    switch (ext.oid) {
      case '2.5.29.19': {
        const seq = readElement(ext.value.bytes, ext.value.start, ext.value.end, code);
        let ca = false;
        let pathLen: number | undefined;
        for (const k of readChildren(seq, code)) {
          if (k.tag === TAG_BOOLEAN) ca = valueOf(k)[0] !== 0;
          else if (k.tag === TAG_INTEGER) pathLen = Number.parseInt(integerHex(k), 16);
        }
        basicConstraints = { ca, pathLen, critical: ext.critical };
        break;
      }
      case '2.5.29.15':
        keyUsage = parseKeyUsage(ext.value, code);
        break;
      case '2.5.29.14':
        subjectKeyId = hexOf(valueOf(readElement(ext.value.bytes, ext.value.start, ext.value.end, code)));
        break;
      case '2.5.29.35':
        authorityKeyId = parseAkid(ext.value, code);
        break;
      case '2.5.29.31':
        crlDistributionPoints = parseCrlDp(ext.value, code);
        break;
      default:
        break;
    }
  }
  return {
    der,
    tbs: encodingOf(tbsEl),
    version,
    serial: integerHex(serialEl),
    issuer: parseName(issuerEl, code),
    subject: parseName(subjectEl, code),
    notBefore: decodeTime(nb, code),
    notAfter: decodeTime(na, code),
    spki: encodingOf(spkiEl),
    signatureAlgorithm: parseAlgorithm(algEl, code),
    innerSignatureAlgorithm: parseAlgorithm(innerAlgEl, code),
    signature: valueOf(sigEl).subarray(1),
    extensions,
    basicConstraints,
    keyUsage,
    subjectKeyId,
    authorityKeyId,
    crlDistributionPoints,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** Parses a CRL from DER; revoked serials go into a Set (bounded time for 100k entries). */
export function parseCrl(der: Uint8Array, code: ErrorCode = 'ERR_PKI_LOAD_CRL'): ParsedCrl {
  const top = readTop(der, code);
  if (top.tag !== TAG_SEQUENCE) bad(code, 'CRL');
  const [tbsEl, algEl, sigEl] = readChildren(top, code);
  if (!tbsEl || !algEl || !sigEl || tbsEl.tag !== TAG_SEQUENCE || sigEl.tag !== TAG_BIT_STRING) bad(code, 'CRL');
  const t = readChildren(tbsEl, code);
  let i = 0;
  if (t[0]?.tag === TAG_INTEGER) i = 1;
  const innerAlgEl = t[i++];
  const issuerEl = t[i++];
  const thisEl = t[i++];
  if (!innerAlgEl || !issuerEl || !thisEl) bad(code, 'TBSCertList');
  let nextUpdate: Date | undefined;
  if (t[i] && (t[i]!.tag === TAG_UTC_TIME || t[i]!.tag === TAG_GENERALIZED_TIME))
    nextUpdate = decodeTime(t[i++]!, code);
  const revoked = new Set<string>();
  let authorityKeyId: AuthorityKeyId | undefined;
  for (; i < t.length; i++) {
    const el = t[i]!;
    if (el.tag === TAG_SEQUENCE) {
      forEachChild(
        el,
        (entry) => {
          const serialEl = readElement(entry.bytes, entry.start, entry.end, code);
          if (serialEl.tag !== TAG_INTEGER) bad(code, 'CRL entry');
          revoked.add(integerHex(serialEl));
        },
        code,
      );
    } else if (el.tag === 0xa0) {
      const exts = readElement(el.bytes, el.start, el.end, code);
      for (const ext of readChildren(exts, code)) {
        const parts = readChildren(ext, code);
        if (parts[0]?.tag === TAG_OID && decodeOid(parts[0]) === '2.5.29.35')
          authorityKeyId = parseAkid(parts[parts.length - 1]!, code);
      }
    }
  }
  return {
    der,
    tbs: encodingOf(tbsEl),
    issuer: parseName(issuerEl, code),
    thisUpdate: decodeTime(thisEl, code),
    nextUpdate,
    signatureAlgorithm: parseAlgorithm(algEl, code),
    innerSignatureAlgorithm: parseAlgorithm(innerAlgEl, code),
    signature: valueOf(sigEl).subarray(1),
    authorityKeyId,
    revoked,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

const keyCache = new WeakMap<Uint8Array, KeyObject | null>();

/** The Node KeyObject of a SubjectPublicKeyInfo (cached), or null when Node cannot import it. */
export function publicKeyOf(spki: Uint8Array): KeyObject | null {
  let k = keyCache.get(spki);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch {
      k = null;
    }
    keyCache.set(spki, k);
  }
  return k;
}

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
  if (key.asymmetricKeyType === 'ec') {
    const bits: Record<string, number> = {
      prime256v1: 128,
      secp384r1: 192,
      secp521r1: 256,
      secp224r1: 112,
      prime192v1: 80,
      secp256k1: 128,
    };
    return bits[d.namedCurve ?? ''] ?? 0;
  }
  if (key.asymmetricKeyType === 'ed25519') return 128;
  if (key.asymmetricKeyType === 'ed448') return 224;
  return 0;
}
