/**
 * Host-key document (HKD) verification, as s390-tools' `CertVerifier` does it (spec hostkey-verification.md):
 * Phase A/B load trust anchors, CRLs and certificates; Phase C picks the IBM Z signing key by its subject;
 * Phase D validates the signing key's chain (OpenSSL's order and error codes); Phase E checks each HKD.
 * Everything is evaluated at one time `at`. The engine never touches the network: online CRL download goes
 * through the injected `fetchCrl`.
 */
import { AttestError, type ErrorCode, isAttestError } from '../../../shared/errors/index.js';
import { toHex } from '../bytes.js';
import { coordsFromSpki, computePhkh } from '../crypto/p521.js';
import { scanPemBlocks, encodePem } from './der.js';
import { verifySignature } from './signature.js';
import {
  type AuthorityKeyId,
  type NameAttribute,
  type ParsedCertificate,
  type ParsedCrl,
  type ParsedName,
  KU_CRL_SIGN,
  KU_KEY_CERT_SIGN,
  OID_C,
  OID_CN,
  OID_L,
  OID_O,
  OID_OU,
  OID_ST,
  buildName,
  firstValue,
  parseCertificate,
  parseCrl,
  publicKeyOf,
  securityBits,
} from './x509-parse.js';

/** Largest accepted input file (HKD, certificate, CRL, root): 16 MiB. */
export const MAX_PKI_INPUT_SIZE = 16 * 1024 * 1024;
/** Maximum number of intermediates (OpenSSL verify depth 2, spec §3.1 A4). */
export const MAX_INTERMEDIATES = 2;
/** Minimum security strength in bits (OpenSSL security level 2). */
export const MIN_SECURITY_BITS = 112;
const P521_OID_BITS = 256;

/** Bytes of one input file with the name shown in reports. */
export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Downloads one CRL distribution point; rejects on any failure (the verifier treats failures as silent). */
export type FetchCrl = (url: string) => Promise<Uint8Array>;

/** Inputs of the chain part of verification (everything but the HKDs). */
export interface CreateHkdVerifierParams {
  /** `-C` files: the signing key and intermediates (CRLs inside PEM files are imported too). */
  readonly certs: readonly NamedBytes[];
  /** `--crl` files. */
  readonly crls?: readonly NamedBytes[];
  /** `--root-ca` file: every certificate in it is a trust anchor. */
  readonly rootCa?: NamedBytes;
  /** Configured trust anchors, used only when `rootCa` is absent (the "system store"). */
  readonly anchors?: readonly NamedBytes[];
  /** No downloads at all. */
  readonly offline: boolean;
  /** Verification time for every certificate and CRL. */
  readonly at: Date;
  /** CRL downloader, used only when not offline. */
  readonly fetchCrl?: FetchCrl;
}

/** Inputs of `verifyHostKeyDocuments`. */
export interface VerifyHostKeyDocumentsParams extends CreateHkdVerifierParams {
  readonly hkds: readonly NamedBytes[];
}

/** Failure categories, matching the spec's error catalogue (§5). */
export type HkdFailureCategory =
  | 'INPUT_TOO_LARGE'
  | 'LOAD_ROOT'
  | 'LOAD_CRL'
  | 'CERT_MALFORMED'
  | 'NO_SIGNING_KEY'
  | 'MANY_SIGNING_KEYS'
  | 'SIGNING_KEY_INVALID'
  | 'HKD_WEAK_KEY'
  | 'HKD_NOT_YET_VALID'
  | 'HKD_EXPIRED'
  | 'HKD_AKID_MISMATCH'
  | 'HKD_BAD_SIGNATURE'
  | 'HKD_NO_VALID_CRL'
  | 'HKD_REVOKED'
  | 'HKD_NOT_P521'
  | 'HKD_NOT_PEM_OR_DER'
  | 'HKD_EMPTY';

/** One explained step of verification. */
export interface VerificationStep {
  /** Which certificate or CRL the step is about (display name). */
  readonly certificate: string;
  readonly check: string;
  readonly result: 'pass' | 'fail' | 'skip' | 'info';
  readonly code?: ErrorCode;
  readonly detail: string;
}

/** Display facts of a certificate. */
export interface CertificateSummary {
  readonly source: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
}

/** A CRL the offline verifier needed but did not have. */
export interface MissingCrl {
  readonly issuer: string;
  readonly distributionPoints: readonly string[];
}

/** Result of Phases A–D. */
export interface ChainReport {
  readonly ok: boolean;
  readonly code?: ErrorCode;
  readonly category?: HkdFailureCategory;
  readonly reason?: string;
  /** OpenSSL verify error code (category SIGNING_KEY_INVALID). */
  readonly x509Code?: number;
  /** OpenSSL error depth: 0 = signing key. */
  readonly depth?: number;
  readonly missingCrl?: MissingCrl;
  readonly signingKey?: CertificateSummary;
  /** Signing key first, anchor last. */
  readonly chain: readonly CertificateSummary[];
  readonly steps: readonly VerificationStep[];
}

/** Facts about one HKD a person needs. */
export interface HkdFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly machineType?: string;
  readonly machineSerial?: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the 160-byte key coordinates, hex (only for P-521 keys). */
  readonly phkh?: string;
  readonly crlDistributionPoints: readonly string[];
}

/** Verdict for one HKD. */
export interface HkdResult {
  readonly name: string;
  readonly verified: boolean;
  readonly code?: ErrorCode;
  readonly category?: HkdFailureCategory;
  /** One line, for people. */
  readonly reason: string;
  readonly facts?: HkdFacts;
  /** 160-byte coordinates of the host key (P-521 only). */
  readonly publicCoords?: Uint8Array;
  readonly missingCrl?: MissingCrl;
  readonly steps: readonly VerificationStep[];
}

/** The full report. */
export interface HkdVerificationReport {
  readonly at: string;
  readonly offline: boolean;
  readonly verified: boolean;
  readonly chain: ChainReport;
  readonly hkds: readonly HkdResult[];
}

/** A verifier whose chain was validated once; `verify` checks one HKD against it. */
export interface HkdVerifier {
  readonly chain: ChainReport;
  verify(bytes: Uint8Array, name: string): Promise<HkdResult>;
}

/** OpenSSL code → stable error code (category SIGNING_KEY_INVALID). */
const X509_CODES: Record<number, { code: ErrorCode; text: string }> = {
  2: { code: 'ERR_CHAIN_NO_ISSUER', text: 'unable to get issuer certificate' },
  3: { code: 'ERR_CRL_MISSING', text: 'unable to get certificate CRL' },
  7: { code: 'ERR_CHAIN_BAD_SIGNATURE', text: 'certificate signature failure' },
  8: { code: 'ERR_CRL_BAD_SIGNATURE', text: 'CRL signature failure' },
  9: { code: 'ERR_CHAIN_NOT_YET_VALID', text: 'certificate is not yet valid' },
  10: { code: 'ERR_CHAIN_EXPIRED', text: 'certificate has expired' },
  11: { code: 'ERR_CRL_NOT_YET_VALID', text: 'CRL is not yet valid' },
  12: { code: 'ERR_CRL_EXPIRED', text: 'CRL has expired' },
  18: { code: 'ERR_CHAIN_UNTRUSTED_ROOT', text: 'self-signed certificate' },
  19: { code: 'ERR_CHAIN_UNTRUSTED_ROOT', text: 'self-signed certificate in certificate chain' },
  20: { code: 'ERR_CHAIN_NO_ISSUER', text: 'unable to get local issuer certificate' },
  22: { code: 'ERR_CHAIN_TOO_LONG', text: 'certificate chain too long' },
  23: { code: 'ERR_CHAIN_REVOKED', text: 'certificate revoked' },
  24: { code: 'ERR_CHAIN_PROFILE', text: 'invalid CA certificate' },
  25: { code: 'ERR_CHAIN_PROFILE', text: 'path length constraint exceeded' },
  34: { code: 'ERR_CHAIN_PROFILE', text: 'unhandled critical extension' },
  35: { code: 'ERR_CRL_NO_CRLSIGN', text: 'key usage does not include CRL signing' },
  50: { code: 'ERR_CHAIN_TOO_SHORT', text: 'application verification failure (chain shorter than 2)' },
  66: { code: 'ERR_CHAIN_WEAK_KEY', text: 'EE certificate key too weak' },
  67: { code: 'ERR_CHAIN_WEAK_KEY', text: 'CA certificate key too weak' },
  68: { code: 'ERR_CHAIN_WEAK_DIGEST', text: 'CA signature digest algorithm too weak' },
  76: { code: 'ERR_CHAIN_PROFILE', text: 'signature algorithm mismatch' },
  81: { code: 'ERR_CHAIN_PROFILE', text: 'keyCertSign asserted by a non-CA' },
  82: { code: 'ERR_CHAIN_PROFILE', text: 'issuer name empty' },
  83: { code: 'ERR_CHAIN_PROFILE', text: 'subject name empty' },
  84: { code: 'ERR_CHAIN_PROFILE', text: 'missing authority key identifier' },
  85: { code: 'ERR_CHAIN_PROFILE', text: 'missing subject key identifier' },
  88: { code: 'ERR_CHAIN_PROFILE', text: 'CA basicConstraints not critical' },
  91: { code: 'ERR_CHAIN_PROFILE', text: 'CA certificate missing key usage' },
};

/** Extensions OpenSSL handles when critical. */
const HANDLED_CRITICAL = new Set([
  '2.5.29.19',
  '2.5.29.15',
  '2.5.29.17',
  '2.5.29.37',
  '2.5.29.32',
  '2.5.29.30',
  '2.5.29.36',
  '2.5.29.33',
  '2.5.29.54',
  '2.5.29.35',
  '2.5.29.14',
  '2.5.29.31',
  '2.5.29.18',
  '1.3.6.1.5.5.7.1.14',
]);

const IBM = 'International Business Machines Corporation';

/** A coded failure inside a phase, turned into report entries by the caller. */
class PhaseFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly category: HkdFailureCategory,
    message: string,
    readonly extra: { x509Code?: number; depth?: number; missingCrl?: MissingCrl } = {},
  ) {
    super(message);
  }
}

/** A certificate with the file it came from. */
interface SourcedCert {
  readonly cert: ParsedCertificate;
  readonly source: string;
}

/** Summarises a certificate for display. */
function summarize(c: SourcedCert): CertificateSummary {
  return {
    source: c.source,
    subject: c.cert.subject.text,
    issuer: c.cert.issuer.text,
    serial: c.cert.serial,
    notBefore: c.cert.notBefore.toISOString(),
    notAfter: c.cert.notAfter.toISOString(),
    sha256: c.cert.fingerprint,
  };
}

/** Checks an input's size against MAX_PKI_INPUT_SIZE. */
function checkSize(item: NamedBytes): void {
  if (item.bytes.length > MAX_PKI_INPUT_SIZE)
    throw new PhaseFailure(
      'ERR_PKI_INPUT_TOO_LARGE',
      'INPUT_TOO_LARGE',
      `'${item.name}' is larger than ${MAX_PKI_INPUT_SIZE} bytes`,
    );
}

/** True when bytes look like one complete DER element. */
function tryDer<T>(bytes: Uint8Array, parse: (b: Uint8Array) => T): T | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) return undefined;
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

/** CRLs from a file: DER first, else all PEM `X509 CRL` / `CRL` blocks (empty when none). */
export function readCrls(bytes: Uint8Array): ParsedCrl[] {
  const der = tryDer(bytes, (b) => parseCrl(b));
  if (der) return [der];
  let blocks;
  try {
    blocks = scanPemBlocks(bytes, 'ERR_PKI_LOAD_CRL');
  } catch {
    return [];
  }
  if (!blocks) return [];
  const out: ParsedCrl[] = [];
  for (const b of blocks) {
    if (b.label !== 'X509 CRL' && b.label !== 'CRL') continue;
    try {
      out.push(parseCrl(b.der));
    } catch {
      /* a broken block yields nothing, like OpenSSL's PEM loop ending */
    }
  }
  return out;
}

/** Certificates from a file: DER first, else all PEM `CERTIFICATE` blocks; throws `code` for malformed PEM. */
export function readCertificates(bytes: Uint8Array, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): ParsedCertificate[] {
  const der = tryDer(bytes, (b) => parseCertificate(b));
  if (der) return [der];
  const blocks = scanPemBlocks(bytes, code);
  if (!blocks) return [];
  return blocks
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE')
    .map((b) => parseCertificate(b.der, code));
}

/** Encodes CRL DER as PEM with the `X509 CRL` label (OpenSSL refuses bare `CRL`). */
export function encodeCrlPem(der: Uint8Array): string {
  return encodePem('X509 CRL', der);
}

/** True when the subject satisfies the IBM Z signing-key rules (spec §3.3). */
export function isIbmSigningKeySubject(subject: ParsedName): boolean {
  let count = 0;
  for (const rdn of subject.rdns) count += rdn.length;
  if (count !== 6) return false;
  const l = firstValue(subject, OID_L);
  const ou = firstValue(subject, OID_OU);
  return (
    firstValue(subject, OID_C) === 'US' &&
    firstValue(subject, OID_ST) === 'New York' &&
    (l === 'Poughkeepsie' || l === 'Armonk') &&
    firstValue(subject, OID_O) === IBM &&
    firstValue(subject, OID_CN) === IBM &&
    ou !== undefined &&
    ou.endsWith('Key Signing Service')
  );
}

/** The HKD-CRL lookup names for a signing-key subject, in try order (spec §3.6). */
export function hkdCrlLookupNames(subject: ParsedName): ParsedName[] {
  const names: ParsedName[] = [subject];
  const reorder = (n: ParsedName): ParsedName | undefined => {
    const out: NameAttribute[][] = [];
    for (const oid of [OID_C, OID_O, OID_OU, OID_L, OID_ST, OID_CN]) {
      const v = firstValue(n, oid);
      if (v !== undefined) out.push([{ oid, value: v }]);
    }
    return buildName(out);
  };
  if (firstValue(subject, OID_L) === 'Armonk') {
    let replaced = false;
    const fixed = buildName(
      subject.rdns.map((rdn) =>
        rdn.map((a) => {
          if (!replaced && a.oid === OID_L) {
            replaced = true;
            return { oid: a.oid, value: 'Poughkeepsie' };
          }
          return a;
        }),
      ),
    );
    names.push(fixed);
    const r = reorder(fixed);
    if (r) names.push(r);
  }
  const r = reorder(subject);
  if (r) names.push(r);
  return names;
}

/** True when an AKID matches the issuer certificate (keyId vs SKID, serial, issuer names; spec E4). */
export function akidMatches(akid: AuthorityKeyId, issuer: ParsedCertificate): boolean {
  if (akid.keyId !== undefined && issuer.subjectKeyId !== undefined && akid.keyId !== issuer.subjectKeyId) return false;
  if (akid.serial !== undefined && akid.serial !== issuer.serial) return false;
  if (akid.issuerNames.length > 0 && !akid.issuerNames.some((n) => n.canonical === issuer.issuer.canonical))
    return false;
  return true;
}

/** True when `issuer` may be the issuer of `child` in path building (name and AKID/SKID). */
function couldIssue(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer.subject.canonical !== child.issuer.canonical) return false;
  const akid = child.authorityKeyId;
  if (akid?.keyId !== undefined && issuer.subjectKeyId !== undefined && akid.keyId !== issuer.subjectKeyId)
    return false;
  return true;
}

/** True for a self-issued certificate whose signature verifies with its own key. */
function isSelfSigned(c: ParsedCertificate): boolean {
  if (c.subject.canonical !== c.issuer.canonical) return false;
  if (
    c.authorityKeyId?.keyId !== undefined &&
    c.subjectKeyId !== undefined &&
    c.authorityKeyId.keyId !== c.subjectKeyId
  )
    return false;
  return true;
}

/** Builds an OpenSSL-coded chain failure. */
function x509Failure(
  x509Code: number,
  depth: number,
  cert: ParsedCertificate,
  extra: { missingCrl?: MissingCrl; detail?: string } = {},
): PhaseFailure {
  const m = X509_CODES[x509Code] ?? { code: 'ERR_CHAIN_PROFILE' as ErrorCode, text: `verify error ${x509Code}` };
  const detail = extra.detail ? `; ${extra.detail}` : '';
  return new PhaseFailure(
    m.code,
    'SIGNING_KEY_INVALID',
    `The IBM Z signing key could not be verified. Error occurred at level ${depth}: ${m.text} (${cert.subject.text})${detail}`,
    { x509Code, depth, missingCrl: extra.missingCrl },
  );
}

/** The state shared by all HKD checks once the chain is validated. */
interface ValidatedChain {
  readonly signingKey: ParsedCertificate;
  readonly crlPool: readonly ParsedCrl[];
}

/** Validates the chain of the signing key once and returns a verifier for HKDs (spec Phases A–D). */
export async function createHkdVerifier(params: CreateHkdVerifierParams): Promise<HkdVerifier> {
  const at = params.at;
  const steps: VerificationStep[] = [];
  const chainSummaries: CertificateSummary[] = [];
  let signingSummary: CertificateSummary | undefined;
  let validated: ValidatedChain | undefined;
  let failure: PhaseFailure | undefined;
  try {
    validated = await buildAndValidate(params, steps, chainSummaries, (s) => (signingSummary = s));
  } catch (e) {
    if (e instanceof PhaseFailure) failure = e;
    else if (isAttestError(e)) failure = new PhaseFailure(e.code, 'CERT_MALFORMED', e.message);
    else throw e;
    steps.push({
      certificate: 'chain of trust',
      check: 'chain',
      result: 'fail',
      code: failure.code,
      detail: failure.message,
    });
  }
  const chain: ChainReport = failure
    ? {
        ok: false,
        code: failure.code,
        category: failure.category,
        reason: failure.message,
        x509Code: failure.extra.x509Code,
        depth: failure.extra.depth,
        missingCrl: failure.extra.missingCrl,
        signingKey: signingSummary,
        chain: chainSummaries,
        steps,
      }
    : { ok: true, signingKey: signingSummary, chain: chainSummaries, steps };
  const crlValidity = new WeakMap<ParsedCrl, string | null>();
  return {
    chain,
    async verify(bytes, name) {
      return verifyOneHkd({
        bytes,
        name,
        chain,
        validated,
        at,
        offline: params.offline,
        fetchCrl: params.fetchCrl,
        crlValidity,
      });
    },
  };
}

/** Phases A–D; pushes steps; returns the validated signing key and CRL pool or throws PhaseFailure. */
async function buildAndValidate(
  params: CreateHkdVerifierParams,
  steps: VerificationStep[],
  chainOut: CertificateSummary[],
  setSigning: (s: CertificateSummary) => void,
): Promise<ValidatedChain> {
  const at = params.at;
  for (const item of [
    ...params.certs,
    ...(params.crls ?? []),
    ...(params.rootCa ? [params.rootCa] : []),
    ...(params.anchors ?? []),
  ])
    checkSize(item);
  // A1: anchors
  const anchors: SourcedCert[] = [];
  const pool: ParsedCrl[] = [];
  const crlSource = new Map<ParsedCrl, string>();
  const addCrls = (list: ParsedCrl[], source: string): void => {
    for (const c of list) {
      pool.push(c);
      crlSource.set(c, source);
    }
  };
  if (params.rootCa) {
    let certs: ParsedCertificate[];
    try {
      certs = readCertificates(params.rootCa.bytes);
    } catch {
      certs = [];
    }
    if (certs.length === 0)
      throw new PhaseFailure('ERR_PKI_LOAD_ROOT', 'LOAD_ROOT', `Cannot load certificate from ${params.rootCa.name}`);
    for (const c of certs) anchors.push({ cert: c, source: params.rootCa.name });
    addCrls(readCrls(params.rootCa.bytes), params.rootCa.name);
    steps.push({
      certificate: params.rootCa.name,
      check: 'trust anchor',
      result: 'info',
      detail: `${certs.length} trust anchor(s) from --root-ca`,
    });
  } else {
    for (const a of params.anchors ?? []) {
      try {
        for (const c of readCertificates(a.bytes)) anchors.push({ cert: c, source: a.name });
      } catch {
        /* an unusable configured anchor is skipped */
      }
      addCrls(readCrls(a.bytes), a.name);
    }
    steps.push({
      certificate: 'configured trust store',
      check: 'trust anchor',
      result: 'info',
      detail: `${anchors.length} configured trust anchor(s)`,
    });
  }
  // A2: --crl files
  for (const f of params.crls ?? []) {
    const list = readCrls(f.bytes);
    if (list.length === 0) throw new PhaseFailure('ERR_PKI_LOAD_CRL', 'LOAD_CRL', `Cannot load CRL from ${f.name}`);
    addCrls(list, f.name);
  }
  // A3: CRLs inside --cert files (silently)
  for (const f of params.certs) addCrls(readCrls(f.bytes), f.name);
  // B: certificates
  const certs: SourcedCert[] = [];
  for (const f of params.certs) for (const c of readCertificates(f.bytes)) certs.push({ cert: c, source: f.name });
  if (!params.offline && params.fetchCrl) {
    for (const c of certs) {
      const got = await downloadFirstCrls(c.cert.crlDistributionPoints, params.fetchCrl);
      addCrls(got.crls, got.url ?? 'download');
      if (got.url)
        steps.push({
          certificate: c.source,
          check: 'CRL download',
          result: 'info',
          detail: `fetched ${got.crls.length} CRL(s) from ${got.url}`,
        });
    }
  }
  // C: signing key
  const signing = certs.filter((c) => isIbmSigningKeySubject(c.cert.subject));
  if (signing.length === 0)
    throw new PhaseFailure('ERR_HKD_NO_SIGNING_KEY', 'NO_SIGNING_KEY', 'Specify one IBM Z signing key');
  if (signing.length > 1)
    throw new PhaseFailure(
      'ERR_HKD_MANY_SIGNING_KEYS',
      'MANY_SIGNING_KEYS',
      `Specify only one IBM Z signing key (found ${signing.length}: ${signing.map((s) => s.source).join(', ')})`,
    );
  const leaf = signing[0]!;
  setSigning(summarize(leaf));
  steps.push({
    certificate: leaf.source,
    check: 'signing key',
    result: 'pass',
    detail: `IBM Z signing key: ${leaf.cert.subject.text}`,
  });
  const untrusted = certs.filter((c) => c !== leaf);
  // D: build the path (trusted first), bounded by the depth limit and by never reusing a certificate
  // A trusted certificate ends the path only when it is self-signed (OpenSSL without X509_V_FLAG_PARTIAL_CHAIN);
  // a non-self-signed anchor is used as an issuer and building goes on above it.
  const chain: SourcedCert[] = [leaf];
  const isAnchor = (c: SourcedCert): boolean => anchors.some((a) => a.cert.fingerprint === c.cert.fingerprint);
  let trusted = isAnchor(leaf) && isSelfSigned(leaf.cert);
  while (!trusted) {
    const top = chain[chain.length - 1]!;
    const cur = top.cert;
    const depth = chain.length - 1;
    // an untrusted self-signed top ends the search (a trusted one ended the loop when it was added)
    if (isSelfSigned(cur)) throw x509Failure(depth === 0 ? 18 : 19, depth, cur);
    const unused = (c: SourcedCert): boolean =>
      couldIssue(c.cert, cur) && !chain.some((x) => x.cert.fingerprint === c.cert.fingerprint);
    const next = anchors.find(unused) ?? untrusted.find(unused);
    if (!next) throw x509Failure(isAnchor(top) ? 2 : 20, depth, cur);
    const nextSelfSigned = isSelfSigned(next.cert);
    if (!nextSelfSigned && chain.length - 1 >= MAX_INTERMEDIATES) throw x509Failure(22, depth + 1, next.cert);
    chain.push(next);
    trusted = nextSelfSigned && isAnchor(next);
  }
  for (const c of chain) chainOut.push(summarize(c));
  if (chain.length < 2) throw x509Failure(50, 0, leaf.cert);
  steps.push({
    certificate: leaf.source,
    check: 'path',
    result: 'pass',
    detail: `chain of ${chain.length}: ${chain.map((c) => c.source).join(' → ')}`,
  });
  const n = chain.length - 1;
  // strict profile
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!.cert;
    const isCa = d > 0;
    if (c.subject.rdns.length === 0) throw x509Failure(83, d, c);
    if (c.issuer.rdns.length === 0) throw x509Failure(82, d, c);
    for (const e of c.extensions)
      if (e.critical && !HANDLED_CRITICAL.has(e.oid)) throw x509Failure(34, d, c, { detail: `extension ${e.oid}` });
    if (isCa) {
      if (!c.basicConstraints?.ca) throw x509Failure(24, d, c);
      if (!c.basicConstraints.critical) throw x509Failure(88, d, c);
      if (c.keyUsage === undefined) throw x509Failure(91, d, c);
      if (!(c.keyUsage & KU_KEY_CERT_SIGN)) throw x509Failure(24, d, c);
      if (c.subjectKeyId === undefined) throw x509Failure(85, d, c);
      const pl = c.basicConstraints.pathLen;
      if (pl !== undefined && d - 1 > pl) throw x509Failure(25, d, c);
    } else if (c.keyUsage !== undefined && c.keyUsage & KU_KEY_CERT_SIGN && !c.basicConstraints?.ca)
      throw x509Failure(81, d, c);
    if (d < n && c.authorityKeyId?.keyId === undefined) throw x509Failure(84, d, c);
    if (Buffer.compare(c.signatureAlgorithm.encoding, c.innerSignatureAlgorithm.encoding) !== 0)
      throw x509Failure(76, d, c);
  }
  steps.push({
    certificate: leaf.source,
    check: 'profile',
    result: 'pass',
    detail: 'CA flags, key usage and key identifiers',
  });
  // strength
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!.cert;
    const bits = securityBits(publicKeyOf(c.spki));
    if (bits < MIN_SECURITY_BITS) throw x509Failure(d === 0 ? 66 : 67, d, c, { detail: `${bits} bits of security` });
    if (d < n && c.signatureAlgorithm.digestBits < MIN_SECURITY_BITS)
      throw x509Failure(68, d, c, { detail: c.signatureAlgorithm.name });
  }
  steps.push({
    certificate: leaf.source,
    check: 'key strength',
    result: 'pass',
    detail: `every key and digest ≥ ${MIN_SECURITY_BITS} bits`,
  });
  // revocation for depth 0..n, root included
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!;
    const issuer = chain[Math.min(d + 1, n)]!.cert;
    const crl = chooseChainCrl(pool, c.cert, issuer, params.at);
    if (!crl) {
      const missing: MissingCrl = { issuer: c.cert.issuer.text, distributionPoints: c.cert.crlDistributionPoints };
      const where = missing.distributionPoints.length
        ? ` (distribution point: ${missing.distributionPoints.join(', ')})`
        : '';
      throw x509Failure(3, d, c.cert, {
        missingCrl: missing,
        detail: `no CRL from issuer "${missing.issuer}"${where}${params.offline ? '; supply it with --crl' : ''}`,
      });
    }
    const src = crlSource.get(crl) ?? 'CRL';
    if (issuer.keyUsage !== undefined && !(issuer.keyUsage & KU_CRL_SIGN)) throw x509Failure(35, d, c.cert);
    if (crl.thisUpdate.getTime() > at.getTime())
      throw x509Failure(11, d, c.cert, { detail: `${src}: thisUpdate ${crl.thisUpdate.toISOString()}` });
    if (crl.nextUpdate && crl.nextUpdate.getTime() <= at.getTime())
      throw x509Failure(12, d, c.cert, { detail: `${src}: nextUpdate ${crl.nextUpdate.toISOString()}` });
    if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, publicKeyOf(issuer.spki)))
      throw x509Failure(8, d, c.cert, { detail: src });
    if (crl.revoked.has(c.cert.serial))
      throw x509Failure(23, d, c.cert, { detail: `serial ${c.cert.serial} listed in ${src}` });
    steps.push({
      certificate: c.source,
      check: 'revocation',
      result: 'pass',
      detail: `not listed in ${src} (${crl.issuer.text})`,
    });
  }
  // signatures and validity, root down to leaf
  for (let d = n; d >= 0; d--) {
    const c = chain[d]!;
    const issuer = chain[Math.min(d + 1, n)]!.cert;
    if (!verifySignature(c.cert.signatureAlgorithm, c.cert.tbs, c.cert.signature, publicKeyOf(issuer.spki)))
      throw x509Failure(7, d, c.cert);
    if (c.cert.notBefore.getTime() > at.getTime())
      throw x509Failure(9, d, c.cert, { detail: `notBefore ${c.cert.notBefore.toISOString()}` });
    if (at.getTime() >= c.cert.notAfter.getTime())
      throw x509Failure(10, d, c.cert, { detail: `notAfter ${c.cert.notAfter.toISOString()}` });
    steps.push({
      certificate: c.source,
      check: 'signature and validity',
      result: 'pass',
      detail: `${c.cert.signatureAlgorithm.name}; valid ${c.cert.notBefore.toISOString()} .. ${c.cert.notAfter.toISOString()}`,
    });
  }
  return { signingKey: leaf.cert, crlPool: pool };
}

/** OpenSSL-style CRL choice for a chain member: same issuer name, AKID not contradicting, time-valid first, newest thisUpdate. */
function chooseChainCrl(
  pool: readonly ParsedCrl[],
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  at: Date,
): ParsedCrl | undefined {
  let best: ParsedCrl | undefined;
  let bestScore = -1;
  for (const crl of pool) {
    if (crl.issuer.canonical !== cert.issuer.canonical) continue;
    if (crl.authorityKeyId && !akidMatches(crl.authorityKeyId, issuer)) continue;
    const timeOk =
      crl.thisUpdate.getTime() <= at.getTime() && (!crl.nextUpdate || at.getTime() < crl.nextUpdate.getTime());
    const score = timeOk ? 1 : 0;
    if (score > bestScore || (score === bestScore && best && crl.thisUpdate.getTime() > best.thisUpdate.getTime())) {
      best = crl;
      bestScore = score;
    }
  }
  return best;
}

/** Downloads the first distribution point that yields ≥1 CRL (spec §3.7); all failures are silent. */
async function downloadFirstCrls(
  uris: readonly string[],
  fetchCrl: FetchCrl,
): Promise<{ crls: ParsedCrl[]; url?: string }> {
  for (const url of uris) {
    let body: Uint8Array;
    try {
      body = await fetchCrl(url);
    } catch {
      continue;
    }
    if (body.length > MAX_PKI_INPUT_SIZE) continue;
    const crls = readCrls(body);
    if (crls.length > 0) return { crls, url };
  }
  return { crls: [] };
}

/** Machine type and serial from an HKD subject (e.g. OU/CN "... 8561 0000000ABCDE" or serialNumber). */
function machineFacts(subject: ParsedName): { machineType?: string; machineSerial?: string } {
  const serialAttr = firstValue(subject, '2.5.4.5');
  for (const rdn of subject.rdns)
    for (const a of rdn) {
      const m = /\b(\d{4})[\s-]+([0-9A-Fa-f]{5,16})\b/.exec(a.value);
      if (m) return { machineType: m[1], machineSerial: serialAttr ?? m[2] };
    }
  return serialAttr ? { machineSerial: serialAttr } : {};
}

interface VerifyOneParams {
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly chain: ChainReport;
  readonly validated: ValidatedChain | undefined;
  readonly at: Date;
  readonly offline: boolean;
  readonly fetchCrl?: FetchCrl;
  readonly crlValidity: WeakMap<ParsedCrl, string | null>;
}

const extraCertificates = new WeakMap<ParsedCertificate, number>();

/** Parses the HKD file: DER first, else the first PEM CERTIFICATE block (spec §3.10). */
function parseHkdFile(name: string, bytes: Uint8Array): ParsedCertificate {
  if (bytes.length > MAX_PKI_INPUT_SIZE)
    throw new PhaseFailure(
      'ERR_PKI_INPUT_TOO_LARGE',
      'INPUT_TOO_LARGE',
      `'${name}' is larger than ${MAX_PKI_INPUT_SIZE} bytes`,
    );
  const der = tryDer(bytes, (b) => parseCertificate(b));
  if (der) return der;
  let blocks;
  try {
    blocks = scanPemBlocks(bytes, 'ERR_HKD_NOT_PEM_OR_DER');
  } catch {
    throw new PhaseFailure(
      'ERR_HKD_NOT_PEM_OR_DER',
      'HKD_NOT_PEM_OR_DER',
      `The provided Host Key Document in '${name}' is not in PEM or DER format`,
    );
  }
  const certBlocks = (blocks ?? []).filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length === 0) {
    if (!blocks && bytes.length > 0 && bytes[0] === 0x30)
      throw new PhaseFailure(
        'ERR_HKD_NOT_PEM_OR_DER',
        'HKD_NOT_PEM_OR_DER',
        `The provided Host Key Document in '${name}' is not in PEM or DER format`,
      );
    throw new PhaseFailure(
      'ERR_HKD_EMPTY',
      'HKD_EMPTY',
      `The provided host key document in ${name} contains no certificate!`,
    );
  }
  try {
    const cert = parseCertificate(certBlocks[0]!.der, 'ERR_HKD_NOT_PEM_OR_DER');
    if (certBlocks.length > 1) extraCertificates.set(cert, certBlocks.length);
    return cert;
  } catch {
    throw new PhaseFailure(
      'ERR_HKD_NOT_PEM_OR_DER',
      'HKD_NOT_PEM_OR_DER',
      `The provided Host Key Document in '${name}' is not in PEM or DER format`,
    );
  }
}

/** Why a candidate HKD CRL is invalid for the signing key, or null when valid (spec §3.6). */
function hkdCrlProblem(crl: ParsedCrl, signing: ParsedCertificate, at: Date): string | null {
  if (!crl.nextUpdate) return 'no nextUpdate';
  if (crl.thisUpdate.getTime() > at.getTime()) return `not yet valid (thisUpdate ${crl.thisUpdate.toISOString()})`;
  if (at.getTime() >= crl.nextUpdate.getTime()) return `expired (nextUpdate ${crl.nextUpdate.toISOString()})`;
  if (crl.authorityKeyId && !akidMatches(crl.authorityKeyId, signing))
    return 'authority key identifier does not match the signing key';
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, publicKeyOf(signing.spki)))
    return 'signature does not verify with the signing key';
  return null;
}

/** Phase E for one HKD. */
async function verifyOneHkd(p: VerifyOneParams): Promise<HkdResult> {
  const steps: VerificationStep[] = [];
  const name = p.name;
  // eslint-disable-next-line prefer-const -- fail() reads it before it is assigned below
  let facts: HkdFacts | undefined;
  let coords: Uint8Array | undefined;
  const fail = (
    code: ErrorCode,
    category: HkdFailureCategory,
    reason: string,
    check: string,
    missingCrl?: MissingCrl,
  ): HkdResult => {
    steps.push({ certificate: name, check, result: 'fail', code, detail: reason });
    return { name, verified: false, code, category, reason, facts, publicCoords: coords, missingCrl, steps };
  };
  let hkd: ParsedCertificate;
  try {
    hkd = parseHkdFile(name, p.bytes);
  } catch (e) {
    if (e instanceof PhaseFailure) return fail(e.code, e.category, e.message, 'parse');
    throw e;
  }
  const count = extraCertificates.get(hkd);
  if (count !== undefined)
    steps.push({
      certificate: name,
      check: 'parse',
      result: 'info',
      detail: `The host-key document in '${name}' contains more than one certificate (${count}); only the first is used`,
    });
  try {
    coords = coordsFromSpki(hkd.spki);
  } catch {
    coords = undefined;
  }
  facts = {
    subject: hkd.subject.text,
    issuer: hkd.issuer.text,
    serial: hkd.serial,
    ...machineFacts(hkd.subject),
    notBefore: hkd.notBefore.toISOString(),
    notAfter: hkd.notAfter.toISOString(),
    phkh: coords ? toHex(computePhkh(coords)) : undefined,
    crlDistributionPoints: hkd.crlDistributionPoints,
  };
  if (!p.chain.ok || !p.validated) {
    const code = p.chain.code ?? 'ERR_PKI_INTERNAL';
    return fail(
      code,
      p.chain.category ?? 'SIGNING_KEY_INVALID',
      p.chain.reason ?? 'chain of trust not validated',
      'chain of trust',
      p.chain.missingCrl,
    );
  }
  const signing = p.validated.signingKey;
  const at = p.at.getTime();
  // E1 strength
  const key = publicKeyOf(hkd.spki);
  const bits = securityBits(key);
  if (bits < MIN_SECURITY_BITS)
    return fail(
      'ERR_HKD_WEAK_KEY',
      'HKD_WEAK_KEY',
      `Not enough bits of security. (${bits}, ${MIN_SECURITY_BITS} expected)`,
      'key strength',
    );
  steps.push({ certificate: name, check: 'key strength', result: 'pass', detail: `${bits} bits of security` });
  // E2/E3 validity
  if (hkd.notBefore.getTime() > at)
    return fail(
      'ERR_HKD_NOT_YET_VALID',
      'HKD_NOT_YET_VALID',
      `Before validity period (notBefore ${facts.notBefore})`,
      'validity',
    );
  if (at >= hkd.notAfter.getTime())
    return fail('ERR_HKD_EXPIRED', 'HKD_EXPIRED', `After validity period (notAfter ${facts.notAfter})`, 'validity');
  steps.push({
    certificate: name,
    check: 'validity',
    result: 'pass',
    detail: `${facts.notBefore} ≤ ${p.at.toISOString()} < ${facts.notAfter}`,
  });
  // E4 AKID
  if (hkd.authorityKeyId) {
    if (!akidMatches(hkd.authorityKeyId, signing))
      return fail(
        'ERR_HKD_AKID_MISMATCH',
        'HKD_AKID_MISMATCH',
        `Authority Key Id mismatch (HKD names key ${hkd.authorityKeyId.keyId ?? '?'}, signing key is ${signing.subjectKeyId ?? '?'})`,
        'authority key id',
      );
    steps.push({
      certificate: name,
      check: 'authority key id',
      result: 'pass',
      detail: `matches the signing key (${signing.subjectKeyId ?? 'no SKID'})`,
    });
  } else steps.push({ certificate: name, check: 'authority key id', result: 'skip', detail: 'HKD has no AKID' });
  // E5 signature
  const sigOk =
    Buffer.compare(hkd.signatureAlgorithm.encoding, hkd.innerSignatureAlgorithm.encoding) === 0 &&
    verifySignature(hkd.signatureAlgorithm, hkd.tbs, hkd.signature, publicKeyOf(signing.spki));
  if (!sigOk) return fail('ERR_HKD_BAD_SIGNATURE', 'HKD_BAD_SIGNATURE', 'Signature verification failed', 'signature');
  steps.push({
    certificate: name,
    check: 'signature',
    result: 'pass',
    detail: `${hkd.signatureAlgorithm.name} by the IBM Z signing key`,
  });
  // E6 collect CRLs
  let candidates: ParsedCrl[] = [];
  for (const lookup of hkdCrlLookupNames(signing.subject)) {
    candidates = p.validated.crlPool.filter((c) => c.issuer.canonical === lookup.canonical);
    if (candidates.length > 0) break;
  }
  if (!p.offline && p.fetchCrl) {
    const got = await downloadFirstCrls(hkd.crlDistributionPoints, p.fetchCrl);
    candidates = [...candidates, ...got.crls];
    if (got.url)
      steps.push({
        certificate: name,
        check: 'CRL download',
        result: 'info',
        detail: `fetched ${got.crls.length} CRL(s) from ${got.url}`,
      });
  }
  // E7/E8 keep valid ones
  const valid: ParsedCrl[] = [];
  const problems: string[] = [];
  for (const crl of candidates) {
    let problem = p.crlValidity.get(crl);
    if (problem === undefined) {
      problem = hkdCrlProblem(crl, signing, p.at);
      p.crlValidity.set(crl, problem);
    }
    if (problem === null) valid.push(crl);
    else problems.push(problem);
  }
  if (valid.length === 0) {
    const missing: MissingCrl = { issuer: signing.subject.text, distributionPoints: hkd.crlDistributionPoints };
    const where = missing.distributionPoints.length
      ? `; distribution point: ${missing.distributionPoints.join(', ')}`
      : '';
    const why =
      candidates.length === 0
        ? `no CRL from issuer "${missing.issuer}"${where}${p.offline ? ' (offline: supply it with --crl)' : ''}`
        : `candidates rejected: ${problems.join('; ')}`;
    return fail('ERR_HKD_NO_VALID_CRL', 'HKD_NO_VALID_CRL', `No valid CRL found (${why})`, 'CRL', missing);
  }
  steps.push({
    certificate: name,
    check: 'CRL',
    result: 'pass',
    detail: `${valid.length} valid CRL(s) of the signing key`,
  });
  // E9 revocation
  if (valid.some((c) => c.revoked.has(hkd.serial)))
    return fail('ERR_HKD_REVOKED', 'HKD_REVOKED', `Host-key document is revoked. (serial ${hkd.serial})`, 'revocation');
  steps.push({ certificate: name, check: 'revocation', result: 'pass', detail: `serial ${hkd.serial} not revoked` });
  // host key must be EC P-521 (C tools' check, spec §4)
  if (
    !coords ||
    key?.asymmetricKeyType !== 'ec' ||
    key.asymmetricKeyDetails?.namedCurve !== 'secp521r1' ||
    bits !== P521_OID_BITS
  )
    return fail(
      'ERR_HKD_NOT_P521',
      'HKD_NOT_P521',
      'Host-key document does not use an EC P-521 (secp521r1) key',
      'host key',
    );
  steps.push({ certificate: name, check: 'host key', result: 'pass', detail: `EC P-521, PHKH ${facts.phkh}` });
  return { name, verified: true, reason: 'verified', facts, publicCoords: coords, steps };
}

/** Verifies every HKD against one validated chain; never throws for verification failures (they are in the report). */
export async function verifyHostKeyDocuments(params: VerifyHostKeyDocumentsParams): Promise<HkdVerificationReport> {
  const verifier = await createHkdVerifier(params);
  const hkds: HkdResult[] = [];
  for (const h of params.hkds) hkds.push(await verifier.verify(h.bytes, h.name));
  return {
    at: params.at.toISOString(),
    offline: params.offline,
    verified: verifier.chain.ok && hkds.length > 0 && hkds.every((h) => h.verified),
    chain: verifier.chain,
    hkds,
  };
}

/** The host keys of a report, in HKD order; the first HKD that failed throws its code, naming its file. */
export function verifiedHostKeys(report: HkdVerificationReport): { name: string; publicCoords: Uint8Array }[] {
  return report.hkds.map((h) => {
    if (!h.verified || !h.publicCoords) {
      throw new AttestError(
        h.code ?? 'ERR_HKD_VERIFICATION_FAILED',
        `'${h.name}': Host-key verification failed: ${h.reason}`,
        {
          path: h.name,
          x509Code: report.chain.x509Code,
          depth: report.chain.depth,
        },
      );
    }
    return { name: h.name, publicCoords: h.publicCoords };
  });
}

/** The report as plain JSON (host keys as hex) for storage, IPC and evidence files. */
export function hkdReportToJson(report: HkdVerificationReport): unknown {
  return {
    ...report,
    hkds: report.hkds.map((h) => ({
      ...h,
      publicCoords: h.publicCoords ? Buffer.from(h.publicCoords).toString('hex') : undefined,
    })),
  };
}
