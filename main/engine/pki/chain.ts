/**
 * Phase D: the chain of trust of one IBM Z signing key, as OpenSSL's `X509_verify_cert` checks it with
 * s390-tools' flags (spec §3.4): path building (trusted first, at most two intermediates), the strict profile, key
 * and digest strength, revocation of every member (root included), then signatures and validity from the root
 * down. Each step throws a PhaseFailure with OpenSSL's error number and depth, so reports match pvattest.
 */
import { X509_V_ERR, x509VerifyErrorInfo, type X509VerifyError } from './openssl-errors.js';
import { PhaseFailure, type MissingCrl, type SourcedCert, type VerificationStep } from './report.js';
import { chooseChainCrl, type CrlPool } from './revocation.js';
import { securityBits, verifySignature } from './signature.js';
import { KU_CRL_SIGN, KU_KEY_CERT_SIGN, publicKeyOf, type ParsedCertificate } from './x509.js';

/** Maximum number of intermediates (OpenSSL verify depth 2, spec §3.1 A4). */
export const MAX_INTERMEDIATES = 2;
/** Minimum security strength in bits (OpenSSL security level 2). */
export const MIN_SECURITY_BITS = 112;

/** Extensions OpenSSL handles when critical. */
const HANDLED_CRITICAL = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.37', // extKeyUsage
  '2.5.29.32', // certificatePolicies
  '2.5.29.30', // nameConstraints
  '2.5.29.36', // policyConstraints
  '2.5.29.33', // policyMappings
  '2.5.29.54', // inhibitAnyPolicy
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.18', // issuerAltName
  '1.3.6.1.5.5.7.1.14', // proxyCertInfo
]);

/** What the chain check works with. */
export interface ChainInputs {
  readonly leaf: SourcedCert;
  /** Other certificates from `-C` files (or the workspace): intermediate candidates. */
  readonly untrusted: readonly SourcedCert[];
  readonly anchors: readonly SourcedCert[];
  readonly crls: CrlPool;
  readonly at: Date;
  readonly offline: boolean;
}

/** Builds an OpenSSL-coded chain failure. */
function x509Failure(
  error: X509VerifyError,
  depth: number,
  cert: ParsedCertificate,
  extra: { missingCrl?: MissingCrl; detail?: string } = {},
): PhaseFailure {
  const m = x509VerifyErrorInfo(error);
  const detail = extra.detail ? `; ${extra.detail}` : '';
  return new PhaseFailure(
    m.code,
    'SIGNING_KEY_INVALID',
    `The IBM Z signing key could not be verified. Error occurred at level ${depth}: ${m.text} (${cert.subject.text})${detail}`,
    { x509Code: error, depth, ...(extra.missingCrl ? { missingCrl: extra.missingCrl } : {}) },
  );
}

/** True when `issuer` may be the issuer of `child` in path building (name and AKID/SKID). */
function couldIssue(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (issuer.subject.canonical !== child.issuer.canonical) return false;
  const akid = child.authorityKeyId;
  return !(akid?.keyId !== undefined && issuer.subjectKeyId !== undefined && akid.keyId !== issuer.subjectKeyId);
}

/** True for a self-issued certificate whose AKID (if any) names its own key. */
function isSelfSigned(c: ParsedCertificate): boolean {
  if (c.subject.canonical !== c.issuer.canonical) return false;
  return !(
    c.authorityKeyId?.keyId !== undefined &&
    c.subjectKeyId !== undefined &&
    c.authorityKeyId.keyId !== c.subjectKeyId
  );
}

/**
 * The path from the signing key to a trusted self-signed anchor (trusted first), bounded by the depth limit and by
 * never reusing a certificate. A non-self-signed anchor is used as an issuer and building goes on above it
 * (OpenSSL without X509_V_FLAG_PARTIAL_CHAIN).
 */
export function buildPath(p: Pick<ChainInputs, 'leaf' | 'untrusted' | 'anchors'>): SourcedCert[] {
  const chain: SourcedCert[] = [p.leaf];
  const isAnchor = (c: SourcedCert): boolean => p.anchors.some((a) => a.cert.fingerprint === c.cert.fingerprint);
  let trusted = isAnchor(p.leaf) && isSelfSigned(p.leaf.cert);
  while (!trusted) {
    const top = chain[chain.length - 1]!;
    const cur = top.cert;
    const depth = chain.length - 1;
    // an untrusted self-signed top ends the search (a trusted one ended the loop when it was added)
    if (isSelfSigned(cur))
      throw x509Failure(
        depth === 0 ? X509_V_ERR.DEPTH_ZERO_SELF_SIGNED_CERT : X509_V_ERR.SELF_SIGNED_CERT_IN_CHAIN,
        depth,
        cur,
      );
    const unused = (c: SourcedCert): boolean =>
      couldIssue(c.cert, cur) && !chain.some((x) => x.cert.fingerprint === c.cert.fingerprint);
    const next = p.anchors.find(unused) ?? p.untrusted.find(unused);
    if (!next)
      throw x509Failure(
        isAnchor(top) ? X509_V_ERR.UNABLE_TO_GET_ISSUER_CERT : X509_V_ERR.UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        depth,
        cur,
      );
    const nextSelfSigned = isSelfSigned(next.cert);
    if (!nextSelfSigned && chain.length - 1 >= MAX_INTERMEDIATES)
      throw x509Failure(X509_V_ERR.CERT_CHAIN_TOO_LONG, depth + 1, next.cert);
    chain.push(next);
    trusted = nextSelfSigned && isAnchor(next);
  }
  return chain;
}

/** The strict X.509 profile (X509_V_FLAG_X509_STRICT) for every member; depth 0 is the signing key. */
export function checkProfile(chain: readonly SourcedCert[]): void {
  const n = chain.length - 1;
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!.cert;
    if (c.subject.rdns.length === 0) throw x509Failure(X509_V_ERR.SUBJECT_NAME_EMPTY, d, c);
    if (c.issuer.rdns.length === 0) throw x509Failure(X509_V_ERR.ISSUER_NAME_EMPTY, d, c);
    for (const e of c.extensions)
      if (e.critical && !HANDLED_CRITICAL.has(e.oid))
        throw x509Failure(X509_V_ERR.UNHANDLED_CRITICAL_EXTENSION, d, c, { detail: `extension ${e.oid}` });
    if (d > 0) {
      if (!c.basicConstraints?.ca) throw x509Failure(X509_V_ERR.INVALID_CA, d, c);
      if (!c.basicConstraints.critical) throw x509Failure(X509_V_ERR.CA_BCONS_NOT_CRITICAL, d, c);
      if (c.keyUsage === undefined) throw x509Failure(X509_V_ERR.CA_CERT_MISSING_KEY_USAGE, d, c);
      if (!(c.keyUsage & KU_KEY_CERT_SIGN)) throw x509Failure(X509_V_ERR.INVALID_CA, d, c);
      if (c.subjectKeyId === undefined) throw x509Failure(X509_V_ERR.MISSING_SUBJECT_KEY_IDENTIFIER, d, c);
      const pl = c.basicConstraints.pathLen;
      if (pl !== undefined && d - 1 > pl) throw x509Failure(X509_V_ERR.PATH_LENGTH_EXCEEDED, d, c);
    } else if (c.keyUsage !== undefined && c.keyUsage & KU_KEY_CERT_SIGN && !c.basicConstraints?.ca)
      throw x509Failure(X509_V_ERR.KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA, d, c);
    if (d < n && c.authorityKeyId?.keyId === undefined)
      throw x509Failure(X509_V_ERR.MISSING_AUTHORITY_KEY_IDENTIFIER, d, c);
    if (!c.algorithmsMatch) throw x509Failure(X509_V_ERR.SIGNATURE_ALGORITHM_MISMATCH, d, c);
  }
}

/** Security level 2: every key and every non-anchor signature digest ≥ MIN_SECURITY_BITS. */
export function checkStrength(chain: readonly SourcedCert[]): void {
  const n = chain.length - 1;
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!.cert;
    const bits = securityBits(publicKeyOf(c));
    if (bits < MIN_SECURITY_BITS)
      throw x509Failure(d === 0 ? X509_V_ERR.EE_KEY_TOO_SMALL : X509_V_ERR.CA_KEY_TOO_SMALL, d, c, {
        detail: `${bits} bits of security`,
      });
    if (d < n && c.signatureAlgorithm.digestBits < MIN_SECURITY_BITS)
      throw x509Failure(X509_V_ERR.CA_MD_TOO_WEAK, d, c, { detail: c.signatureAlgorithm.name });
  }
}

/** Revocation of every member, depth 0..n, root included (check-all mode); returns one step per member. */
export function checkRevocation(
  chain: readonly SourcedCert[],
  p: Pick<ChainInputs, 'crls' | 'at' | 'offline'>,
): VerificationStep[] {
  const steps: VerificationStep[] = [];
  const n = chain.length - 1;
  const at = p.at.getTime();
  for (let d = 0; d <= n; d++) {
    const c = chain[d]!;
    const issuer = chain[Math.min(d + 1, n)]!.cert;
    const crl = chooseChainCrl(p.crls.crls, c.cert, issuer, p.at);
    if (!crl) {
      const missing: MissingCrl = { issuer: c.cert.issuer.text, distributionPoints: c.cert.crlDistributionPoints };
      const where = missing.distributionPoints.length
        ? ` (distribution point: ${missing.distributionPoints.join(', ')})`
        : '';
      throw x509Failure(X509_V_ERR.UNABLE_TO_GET_CRL, d, c.cert, {
        missingCrl: missing,
        detail: `no CRL from issuer "${missing.issuer}"${where}${p.offline ? '; supply it with --crl' : ''}`,
      });
    }
    const src = p.crls.sourceOf(crl);
    if (issuer.keyUsage !== undefined && !(issuer.keyUsage & KU_CRL_SIGN))
      throw x509Failure(X509_V_ERR.KEYUSAGE_NO_CRL_SIGN, d, c.cert);
    if (crl.thisUpdate.getTime() > at)
      throw x509Failure(X509_V_ERR.CRL_NOT_YET_VALID, d, c.cert, {
        detail: `${src}: thisUpdate ${crl.thisUpdate.toISOString()}`,
      });
    if (crl.nextUpdate && crl.nextUpdate.getTime() <= at)
      throw x509Failure(X509_V_ERR.CRL_HAS_EXPIRED, d, c.cert, {
        detail: `${src}: nextUpdate ${crl.nextUpdate.toISOString()}`,
      });
    if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, publicKeyOf(issuer)))
      throw x509Failure(X509_V_ERR.CRL_SIGNATURE_FAILURE, d, c.cert, { detail: src });
    if (crl.revoked.has(c.cert.serial))
      throw x509Failure(X509_V_ERR.CERT_REVOKED, d, c.cert, { detail: `serial ${c.cert.serial} listed in ${src}` });
    steps.push({
      certificate: c.source,
      check: 'revocation',
      result: 'pass',
      detail: `not listed in ${src} (${crl.issuer.text})`,
    });
  }
  return steps;
}

/** Signatures and validity periods from the root down to the signing key; returns one step per member. */
export function checkSignaturesAndValidity(chain: readonly SourcedCert[], at: Date): VerificationStep[] {
  const steps: VerificationStep[] = [];
  const n = chain.length - 1;
  for (let d = n; d >= 0; d--) {
    const c = chain[d]!;
    const issuer = chain[Math.min(d + 1, n)]!.cert;
    if (!verifySignature(c.cert.signatureAlgorithm, c.cert.tbs, c.cert.signature, publicKeyOf(issuer)))
      throw x509Failure(X509_V_ERR.CERT_SIGNATURE_FAILURE, d, c.cert);
    if (c.cert.notBefore.getTime() > at.getTime())
      throw x509Failure(X509_V_ERR.CERT_NOT_YET_VALID, d, c.cert, {
        detail: `notBefore ${c.cert.notBefore.toISOString()}`,
      });
    if (at.getTime() >= c.cert.notAfter.getTime())
      throw x509Failure(X509_V_ERR.CERT_HAS_EXPIRED, d, c.cert, {
        detail: `notAfter ${c.cert.notAfter.toISOString()}`,
      });
    steps.push({
      certificate: c.source,
      check: 'signature and validity',
      result: 'pass',
      detail: `${c.cert.signatureAlgorithm.name}; valid ${c.cert.notBefore.toISOString()} .. ${c.cert.notAfter.toISOString()}`,
    });
  }
  return steps;
}

/**
 * Validates the chain of one signing key (OpenSSL's order); pushes the steps, hands the path to `onPath` as soon as
 * it is built (a report shows it even when a later check fails) and returns it.
 */
export function validateChain(
  p: ChainInputs,
  steps: VerificationStep[],
  onPath: (chain: readonly SourcedCert[]) => void,
): SourcedCert[] {
  const chain = buildPath(p);
  onPath(chain);
  // pvattest's own rule after X509_verify_cert: signing key plus anchor at least
  if (chain.length < 2) throw x509Failure(X509_V_ERR.APPLICATION_VERIFICATION, 0, p.leaf.cert);
  steps.push({
    certificate: p.leaf.source,
    check: 'path',
    result: 'pass',
    detail: `chain of ${chain.length}: ${chain.map((c) => c.source).join(' → ')}`,
  });
  checkProfile(chain);
  steps.push({
    certificate: p.leaf.source,
    check: 'profile',
    result: 'pass',
    detail: 'CA flags, key usage and key identifiers',
  });
  checkStrength(chain);
  steps.push({
    certificate: p.leaf.source,
    check: 'key strength',
    result: 'pass',
    detail: `every key and digest ≥ ${MIN_SECURITY_BITS} bits`,
  });
  steps.push(...checkRevocation(chain, p));
  steps.push(...checkSignaturesAndValidity(chain, p.at));
  return chain;
}
