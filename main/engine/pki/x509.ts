/**
 * Certificates and CRLs as the verifier sees them, read with @peculiar's X.509 ASN.1 schemas (the project's one
 * X.509 parser: @peculiar/asn1-x509 through @peculiar/asn1-schema, the layer @peculiar/x509 itself parses with):
 * names, times, serials, keys, the extensions the strict profile looks at, and the **exact signed bytes**. The
 * schemas keep the TBSCertificate as encoded in the input (asn1-schema's raw field, what @peculiar/x509's own
 * `verify()` uses), so signatures are checked over the original bytes, never over a re-encoding
 * (`test/engine/pki/x509.test.ts` shows it with a certificate a re-encoding would change).
 *
 * Reading goes straight to the schemas, not through @peculiar/x509's `X509Certificate` / `X509Crl` classes: what
 * the verifier reads is the same parse, and loading @peculiar/x509 (its algorithm registry, dependency container
 * and WebCrypto provider, set up when it loads) cost ≈ 10 ms of a verified `create` (`npm run bench cli`).
 * @peculiar/x509 remains what makes certificates (main/engine/pki/demo-pki.ts).
 *
 * One measured exception: a CRL's revoked-certificates list is indexed by the small DER reader in `der.ts` (100k
 * entries: ≈ 0.1–0.3 s, against ≈ 3.6 s for @peculiar/x509 to build such a CRL); the schemas read everything
 * else of the CRL. Every parse is bounded (ASN.1 depth, node count, content length) and fails with the caller's code.
 *
 * | Structure | Layout (RFC 5280) |
 * |---|---|
 * | Certificate | SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING } |
 * | CertificateList | SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue } |
 * | TBSCertList | version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions? |
 */
import type { KeyObject } from 'node:crypto';
import { AsnConvert, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  CRLDistributionPoints,
  KeyUsage,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  AlgorithmIdentifier,
  type Extension,
} from '@peculiar/asn1-x509';
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import { concatBytes } from '../bytes.js';
import { sha256Hex } from '../crypto/primitives.js';
import {
  TAG_BIT_STRING,
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_SEQUENCE,
  TAG_UTC_TIME,
  type DerElement,
  encodeTlv,
  encodingOf,
  forEachChild,
  magnitudeHex,
  readChildren,
  readElement,
  readTop,
} from './der.js';
import { buildName, type NameAttribute, type ParsedName } from './names.js';
import { OID_RSASSA_PSS, publicKeyFromSpki, signatureAlgorithmOf, type SignatureAlgorithm } from './signature.js';

/** Largest accepted input file (HKD, certificate, CRL, root): 16 MiB. */
export const MAX_PKI_INPUT_SIZE = 16 * 1024 * 1024;

/**
 * Resource limits for every ASN.1 parse (asn1js `fromBER`): X.509 nests about ten levels, a certificate has a few
 * hundred nodes; a CRL is parsed without its revoked list (see above).
 */
const PARSE_OPTIONS = { berOptions: { maxDepth: 32, maxNodes: 10_000, maxContentLength: MAX_PKI_INPUT_SIZE } };

export const KU_KEY_CERT_SIGN = 1 << 5;
export const KU_CRL_SIGN = 1 << 6;

/** The parsed AuthorityKeyIdentifier extension (key id and serial as upper-case hex). */
export interface AuthorityKeyId {
  readonly keyId?: string;
  readonly issuerNames: readonly ParsedName[];
  readonly serial?: string;
}

/** One certificate extension: what the critical-extension rule needs. */
export interface ExtensionInfo {
  readonly oid: string;
  readonly critical: boolean;
}

/** A certificate with the fields used by the verifier. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The TBSCertificate exactly as encoded in the input: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly serial: string;
  readonly issuer: ParsedName;
  readonly subject: ParsedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** True when the outer AlgorithmIdentifier equals the one inside the TBSCertificate. */
  readonly algorithmsMatch: boolean;
  readonly signature: Uint8Array;
  readonly extensions: readonly ExtensionInfo[];
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
  /** The TBSCertList exactly as encoded in the input: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly issuer: ParsedName;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly algorithmsMatch: boolean;
  readonly signature: Uint8Array;
  readonly authorityKeyId?: AuthorityKeyId;
  readonly revoked: ReadonlySet<string>;
  readonly fingerprint: string;
}

/** Attribute values as @peculiar/asn1-x509 decodes them. */
type AsnName = Iterable<Iterable<{ readonly type: string; readonly value: { toString(): string } }>>;

function bytesOf(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A ParsedName from @peculiar/asn1-x509's Name. */
function nameOf(name: AsnName): ParsedName {
  const rdns: NameAttribute[][] = [];
  for (const rdn of name) {
    const attrs: NameAttribute[] = [];
    for (const atv of rdn) attrs.push({ oid: atv.type, value: atv.value.toString() });
    rdns.push(attrs);
  }
  return buildName(rdns);
}

function authorityKeyIdOf(akid: AuthorityKeyIdentifier): AuthorityKeyId {
  const issuerNames: ParsedName[] = [];
  for (const gn of akid.authorityCertIssuer ?? []) if (gn.directoryName) issuerNames.push(nameOf(gn.directoryName));
  return {
    ...(akid.keyIdentifier ? { keyId: magnitudeHexOf(akid.keyIdentifier.buffer, false) } : {}),
    issuerNames,
    ...(akid.authorityCertSerialNumber ? { serial: magnitudeHex(bytesOf(akid.authorityCertSerialNumber)) } : {}),
  };
}

/** Hex (upper case) of bytes; `strip` drops leading zero octets (integers), key identifiers keep them. */
function magnitudeHexOf(b: ArrayBuffer | ArrayBufferView, strip: boolean): string {
  const v = bytesOf(b);
  return strip ? magnitudeHex(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex').toUpperCase();
}

/** fullName URIs of the cRLDistributionPoints, in order (spec §3.7). */
function distributionPointsOf(dps: CRLDistributionPoints): string[] {
  const uris: string[] = [];
  for (const dp of dps)
    for (const gn of dp.distributionPoint?.fullName ?? [])
      if (gn.uniformResourceIdentifier !== undefined) uris.push(gn.uniformResourceIdentifier);
  return uris;
}

/** The extension fields the verifier uses, parsed from @peculiar/asn1-x509's extension list (values parsed once). */
function extensionFields(
  exts: readonly Extension[],
): Pick<
  ParsedCertificate,
  'extensions' | 'basicConstraints' | 'keyUsage' | 'subjectKeyId' | 'authorityKeyId' | 'crlDistributionPoints'
> {
  const value = <T>(ext: Extension, type: new () => T): T => AsnConvert.parse(ext.extnValue, type, PARSE_OPTIONS);
  let basicConstraints: ParsedCertificate['basicConstraints'];
  let keyUsage: number | undefined;
  let subjectKeyId: string | undefined;
  let authorityKeyId: AuthorityKeyId | undefined;
  let crlDistributionPoints: string[] = [];
  const extensions: ExtensionInfo[] = [];
  for (const ext of exts) {
    extensions.push({ oid: ext.extnID, critical: ext.critical });
    switch (ext.extnID) {
      case id_ce_basicConstraints: {
        const bc = value(ext, BasicConstraints);
        basicConstraints = {
          ca: bc.cA,
          ...(bc.pathLenConstraint !== undefined ? { pathLen: bc.pathLenConstraint } : {}),
          critical: ext.critical,
        };
        break;
      }
      case id_ce_keyUsage:
        // bit i = named bit i: digitalSignature = bit 0 … decipherOnly = bit 8
        keyUsage = value(ext, KeyUsage).toNumber();
        break;
      case id_ce_subjectKeyIdentifier:
        subjectKeyId = magnitudeHexOf(value(ext, SubjectKeyIdentifier).buffer, false);
        break;
      case id_ce_authorityKeyIdentifier:
        authorityKeyId = authorityKeyIdOf(value(ext, AuthorityKeyIdentifier));
        break;
      case id_ce_cRLDistributionPoints:
        crlDistributionPoints = distributionPointsOf(value(ext, CRLDistributionPoints));
        break;
      default:
        break;
    }
  }
  return {
    extensions,
    ...(basicConstraints ? { basicConstraints } : {}),
    ...(keyUsage !== undefined ? { keyUsage } : {}),
    ...(subjectKeyId ? { subjectKeyId } : {}),
    ...(authorityKeyId ? { authorityKeyId } : {}),
    crlDistributionPoints,
  };
}

/**
 * RSASSA-PSS-params (RFC 4055: SEQUENCE of [0] hashAlgorithm, [1] maskGenAlgorithm, [2] saltLength, [3]
 * trailerField, explicitly tagged, each with a default), declared here with asn1-schema rather than taken from
 * @peculiar/asn1-rsa, whose modules serialise default parameters when they load (≈ 4 ms of a verified `create`,
 * `npm run bench cli`). Absent fields stay undefined: signatureAlgorithmOf applies the defaults.
 */
class PssParams {
  hashAlgorithm?: AlgorithmIdentifier;
  maskGenAlgorithm?: AlgorithmIdentifier;
  saltLength?: number;
  trailerField?: number;
}
AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true })(PssParams.prototype, 'hashAlgorithm');
AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })(PssParams.prototype, 'maskGenAlgorithm');
AsnProp({ type: AsnPropTypes.Integer, context: 2, optional: true })(PssParams.prototype, 'saltLength');
AsnProp({ type: AsnPropTypes.Integer, context: 3, optional: true })(PssParams.prototype, 'trailerField');

/** The signature algorithm of an AlgorithmIdentifier, RSA-PSS's parameters read (bounded like every parse). */
function signatureAlgorithmFrom(alg: AlgorithmIdentifier): SignatureAlgorithm {
  if (alg.algorithm !== OID_RSASSA_PSS || !alg.parameters) return signatureAlgorithmOf(alg.algorithm);
  const pss = AsnConvert.parse(alg.parameters, PssParams, PARSE_OPTIONS);
  return signatureAlgorithmOf(alg.algorithm, { hashOid: pss.hashAlgorithm?.algorithm, saltLength: pss.saltLength });
}

function malformed(code: ErrorCode, what: string, e: unknown): never {
  if (e instanceof AttestError) throw e;
  throw new AttestError(code, `malformed ${what}: ${e instanceof Error ? e.message : 'unreadable'}`);
}

/**
 * Parses a DER certificate; throws `code` on malformed input. The same bytes parse to the same (immutable) value,
 * kept in a bounded cache: a workspace verifies the same certificates again and again.
 */
export function parseCertificate(der: Uint8Array, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): ParsedCertificate {
  if (der.length === 0 || der[0] !== TAG_SEQUENCE) throw new AttestError(code, 'malformed certificate: not DER');
  if (der.length > MAX_PKI_INPUT_SIZE) throw new AttestError(code, 'malformed certificate: too large');
  const fingerprint = sha256Hex(der);
  // the cached value holds its own copy of the bytes: a caller may reuse its buffer
  return memo(`c:${fingerprint}`, der.length, () => readCertificate(der.slice(), fingerprint, code));
}

function readCertificate(der: Uint8Array, fingerprint: string, code: ErrorCode): ParsedCertificate {
  try {
    const asn = AsnConvert.parse(der, Certificate, PARSE_OPTIONS);
    const tbsFields = asn.tbsCertificate;
    if (!asn.tbsCertificateRaw) throw new AttestError(code, 'malformed certificate: no TBSCertificate');
    return {
      der,
      tbs: bytesOf(asn.tbsCertificateRaw),
      serial: magnitudeHex(bytesOf(tbsFields.serialNumber)),
      issuer: nameOf(tbsFields.issuer),
      subject: nameOf(tbsFields.subject),
      notBefore: tbsFields.validity.notBefore.getTime(),
      notAfter: tbsFields.validity.notAfter.getTime(),
      spki: bytesOf(AsnConvert.serialize(tbsFields.subjectPublicKeyInfo)),
      signatureAlgorithm: signatureAlgorithmFrom(asn.signatureAlgorithm),
      algorithmsMatch: asn.signatureAlgorithm.isEqual(tbsFields.signature),
      signature: bytesOf(asn.signatureValue),
      ...extensionFields(tbsFields.extensions ?? []),
      fingerprint,
    };
  } catch (e) {
    malformed(code, 'certificate', e);
  }
}

/**
 * Splits a CertificateList with the small DER reader: the original TBS bytes, the revoked serials (indexed in one
 * pass), and the same CRL without its revoked list for the schemas to read.
 */
function splitCrl(der: Uint8Array, code: ErrorCode): { tbs: Uint8Array; revoked: Set<string>; header: Uint8Array } {
  const top = readTop(der, code);
  if (top.tag !== TAG_SEQUENCE) throw new AttestError(code, 'malformed CRL');
  const [tbsEl, algEl, sigEl, ...rest] = readChildren(top, code);
  if (!tbsEl || !algEl || !sigEl || rest.length > 0 || tbsEl.tag !== TAG_SEQUENCE || sigEl.tag !== TAG_BIT_STRING)
    throw new AttestError(code, 'malformed CRL');
  const revoked = new Set<string>();
  const kept: Uint8Array[] = [];
  let sawTime = false;
  let list: DerElement | undefined;
  for (const el of readChildren(tbsEl, code)) {
    if (el.tag === TAG_UTC_TIME || el.tag === TAG_GENERALIZED_TIME) sawTime = true;
    else if (sawTime && el.tag === TAG_SEQUENCE && !list) {
      list = el;
      continue;
    }
    kept.push(encodingOf(el));
  }
  if (list)
    forEachChild(
      list,
      (entry) => {
        if (entry.tag !== TAG_SEQUENCE) throw new AttestError(code, 'malformed CRL entry');
        const serial = readElement(entry.bytes, entry.start, entry.end, code);
        if (serial.tag !== TAG_INTEGER) throw new AttestError(code, 'malformed CRL entry');
        revoked.add(magnitudeHex(serial.bytes.subarray(serial.start, serial.end)));
      },
      code,
    );
  const header = list
    ? encodeTlv(
        TAG_SEQUENCE,
        concatBytes(encodeTlv(TAG_SEQUENCE, concatBytes(...kept)), encodingOf(algEl), encodingOf(sigEl)),
      )
    : der;
  return { tbs: encodingOf(tbsEl), revoked, header };
}

/**
 * Parses a DER CRL; revoked serials go into a Set (bounded time for 100k entries); throws `code` on malformed input.
 * Cached like certificates.
 */
export function parseCrl(der: Uint8Array, code: ErrorCode = 'ERR_PKI_LOAD_CRL'): ParsedCrl {
  if (der.length > MAX_PKI_INPUT_SIZE) throw new AttestError(code, 'malformed CRL: too large');
  const fingerprint = sha256Hex(der);
  return memo(`l:${fingerprint}`, der.length, () => readCrl(der.slice(), fingerprint, code));
}

function readCrl(der: Uint8Array, fingerprint: string, code: ErrorCode): ParsedCrl {
  const { tbs, revoked, header } = splitCrl(der, code);
  try {
    const asn = AsnConvert.parse(header, CertificateList, PARSE_OPTIONS);
    const nextUpdate = asn.tbsCertList.nextUpdate?.getTime();
    const akidExt = asn.tbsCertList.crlExtensions?.find((e) => e.extnID === id_ce_authorityKeyIdentifier);
    const akid = akidExt ? AsnConvert.parse(akidExt.extnValue, AuthorityKeyIdentifier, PARSE_OPTIONS) : undefined;
    return {
      der,
      tbs,
      issuer: nameOf(asn.tbsCertList.issuer),
      thisUpdate: asn.tbsCertList.thisUpdate.getTime(),
      ...(nextUpdate ? { nextUpdate } : {}),
      signatureAlgorithm: signatureAlgorithmFrom(asn.signatureAlgorithm),
      algorithmsMatch: asn.signatureAlgorithm.isEqual(asn.tbsCertList.signature),
      signature: bytesOf(asn.signature),
      ...(akid ? { authorityKeyId: authorityKeyIdOf(akid) } : {}),
      revoked,
      fingerprint,
    };
  } catch (e) {
    malformed(code, 'CRL', e);
  }
}

/** Parsed items kept for reuse: at most this many, and at most this many DER bytes in all. */
const CACHE_MAX_ENTRIES = 1024;
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
const cache = new Map<string, { readonly value: ParsedCertificate | ParsedCrl; readonly size: number }>();
let cachedBytes = 0;

/** The cached parse of `key`, else `parse()` cached (least recently used entries leave first); failures are not cached. */
function memo<T extends ParsedCertificate | ParsedCrl>(key: string, size: number, parse: () => T): T {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.value as T;
  }
  const value = parse();
  cache.set(key, { value, size });
  cachedBytes += size;
  for (const [k, v] of cache) {
    if (cache.size <= CACHE_MAX_ENTRIES && cachedBytes <= CACHE_MAX_BYTES) break;
    cache.delete(k);
    cachedBytes -= v.size;
  }
  return value;
}

/** Forgets every cached parse (benchmarks measure first-time parsing with it). */
export function clearParseCache(): void {
  cache.clear();
  cachedBytes = 0;
}

const keyCache = new WeakMap<ParsedCertificate, KeyObject | null>();

/** The Node KeyObject of a certificate's public key (cached per parsed certificate), or null when Node cannot import it. */
export function publicKeyOf(cert: ParsedCertificate): KeyObject | null {
  let k = keyCache.get(cert);
  if (k === undefined) {
    k = publicKeyFromSpki(cert.spki);
    keyCache.set(cert, k);
  }
  return k;
}
