/**
 * Phase E: one host-key document against the signing key that issued it (spec §3.5), in s390-tools' order:
 * key strength, validity, authority key identifier, signature, the signing key's valid CRLs, revocation; then the
 * C tools' P-521 check (spec §4). The first failure wins; every check is a step in the result.
 */
import type { ErrorCode } from '../../../shared/errors/index.js';
import { toHex } from '../bytes.js';
import { computePhkh, coordsFromSpki } from '../crypto/p521.js';
import { MIN_SECURITY_BITS } from './chain.js';
import { OID_SERIAL_NUMBER, firstValue, type ParsedName } from './names.js';
import type {
  CertificateSummary,
  FailureFields,
  HkdFacts,
  HkdFailureCategory,
  HkdResult,
  MissingCrl,
  VerificationStep,
} from './report.js';
import { downloadFirstCrls, hkdCrlProblem, type CrlPool, type FetchCrl } from './revocation.js';
import { akidMatches, hkdCrlLookupNames } from './signing-key.js';
import { securityBits, verifySignature } from './signature.js';
import { publicKeyOf, type ParsedCertificate, type ParsedCrl } from './x509.js';

/** OpenSSL's security bits of a P-521 key. */
const P521_SECURITY_BITS = 256;

/** Machine type and serial from an HKD subject (e.g. OU/CN "... 8561 0000000ABCDE" or serialNumber). */
function machineFacts(subject: ParsedName): { machineType?: string; machineSerial?: string } {
  const serialAttr = firstValue(subject, OID_SERIAL_NUMBER);
  for (const rdn of subject.rdns)
    for (const a of rdn) {
      const m = /\b(\d{4})[\s-]+([0-9A-Fa-f]{5,16})\b/.exec(a.value);
      if (m) return { machineType: m[1], machineSerial: serialAttr ?? m[2] };
    }
  return serialAttr ? { machineSerial: serialAttr } : {};
}

/** The display facts and host key of a parsed HKD. */
export function hkdFacts(hkd: ParsedCertificate): { facts: HkdFacts; publicCoords?: Uint8Array } {
  let coords: Uint8Array | undefined;
  try {
    coords = coordsFromSpki(hkd.spki);
  } catch {
    coords = undefined;
  }
  return {
    facts: {
      subject: hkd.subject.text,
      issuer: hkd.issuer.text,
      serial: hkd.serial,
      ...machineFacts(hkd.subject),
      notBefore: hkd.notBefore.toISOString(),
      notAfter: hkd.notAfter.toISOString(),
      ...(coords ? { phkh: toHex(computePhkh(coords)) } : {}),
      crlDistributionPoints: hkd.crlDistributionPoints,
    },
    ...(coords ? { publicCoords: coords } : {}),
  };
}

/** True when the HKD's signature verifies with the signing key (and its outer and inner algorithms agree). */
export function hkdSignatureVerifies(hkd: ParsedCertificate, signing: ParsedCertificate): boolean {
  return hkd.algorithmsMatch && verifySignature(hkd.signatureAlgorithm, hkd.tbs, hkd.signature, publicKeyOf(signing));
}

/** What Phase E needs besides the HKD. */
export interface HkdCheckContext {
  readonly signing: ParsedCertificate;
  readonly signingSummary: CertificateSummary;
  readonly crls: CrlPool;
  readonly at: Date;
  readonly offline: boolean;
  readonly fetchCrl?: FetchCrl;
  /** Validity of each candidate HKD CRL for this signing key, computed once. */
  readonly crlValidity: WeakMap<ParsedCrl, string | null>;
}

/** A result builder for one HKD that collects steps. */
export class HkdOutcome {
  readonly steps: VerificationStep[] = [];
  private base: Pick<HkdResult, 'facts' | 'publicCoords' | 'signingKey'> = {};
  constructor(readonly name: string) {}

  /** Records the HKD's facts and host key (reported with every later outcome). */
  setFacts(facts: HkdFacts, publicCoords: Uint8Array | undefined): void {
    this.base = { ...this.base, facts, ...(publicCoords ? { publicCoords } : {}) };
  }

  /** Records the signing key the HKD is checked against. */
  setSigningKey(signingKey: CertificateSummary): void {
    this.base = { ...this.base, signingKey };
  }

  step(check: string, result: VerificationStep['result'], detail: string): void {
    this.steps.push({ certificate: this.name, check, result, detail });
  }

  fail(
    code: ErrorCode,
    category: HkdFailureCategory,
    reason: string,
    check: string,
    extra: Omit<FailureFields, 'code' | 'category'> = {},
  ): HkdResult {
    this.steps.push({ certificate: this.name, check, result: 'fail', code, detail: reason });
    return { name: this.name, verified: false, code, category, reason, ...this.base, ...extra, steps: this.steps };
  }

  /** The HKD's PHKH (hex), when known. */
  get phkh(): string | undefined {
    return this.base.facts?.phkh;
  }

  /** True when the HKD's key could be read as P-521 coordinates. */
  get hasHostKey(): boolean {
    return this.base.publicCoords !== undefined;
  }

  pass(): HkdResult {
    return { name: this.name, verified: true, reason: 'verified', ...this.base, steps: this.steps };
  }
}

/** Phase E for one parsed HKD against one signing key whose chain is valid. */
export async function checkHkd(hkd: ParsedCertificate, out: HkdOutcome, p: HkdCheckContext): Promise<HkdResult> {
  const { signing } = p;
  const at = p.at.getTime();
  // E1 strength
  const key = publicKeyOf(hkd);
  const bits = securityBits(key);
  if (bits < MIN_SECURITY_BITS)
    return out.fail(
      'ERR_HKD_WEAK_KEY',
      'HKD_WEAK_KEY',
      `Not enough bits of security. (${bits}, ${MIN_SECURITY_BITS} expected)`,
      'key strength',
    );
  out.step('key strength', 'pass', `${bits} bits of security`);
  // E2/E3 validity
  const notBefore = hkd.notBefore.toISOString();
  const notAfter = hkd.notAfter.toISOString();
  if (hkd.notBefore.getTime() > at)
    return out.fail(
      'ERR_HKD_NOT_YET_VALID',
      'HKD_NOT_YET_VALID',
      `Before validity period (notBefore ${notBefore})`,
      'validity',
    );
  if (at >= hkd.notAfter.getTime())
    return out.fail('ERR_HKD_EXPIRED', 'HKD_EXPIRED', `After validity period (notAfter ${notAfter})`, 'validity');
  out.step('validity', 'pass', `${notBefore} ≤ ${p.at.toISOString()} < ${notAfter}`);
  // E4 AKID
  if (hkd.authorityKeyId) {
    if (!akidMatches(hkd.authorityKeyId, signing))
      return out.fail(
        'ERR_HKD_AKID_MISMATCH',
        'HKD_AKID_MISMATCH',
        `Authority Key Id mismatch (HKD names key ${hkd.authorityKeyId.keyId ?? '?'}, signing key is ${signing.subjectKeyId ?? '?'})`,
        'authority key id',
      );
    out.step('authority key id', 'pass', `matches the signing key (${signing.subjectKeyId ?? 'no SKID'})`);
  } else out.step('authority key id', 'skip', 'HKD has no AKID');
  // E5 signature
  if (!hkdSignatureVerifies(hkd, signing))
    return out.fail('ERR_HKD_BAD_SIGNATURE', 'HKD_BAD_SIGNATURE', 'Signature verification failed', 'signature');
  out.step('signature', 'pass', `${hkd.signatureAlgorithm.name} by the IBM Z signing key ${p.signingSummary.source}`);
  // E6 collect CRLs: the first lookup name with candidates, plus the HKD's own distribution point online
  let candidates: ParsedCrl[] = [];
  for (const lookup of hkdCrlLookupNames(signing.subject)) {
    candidates = p.crls.crls.filter((c) => c.issuer.canonical === lookup.canonical);
    if (candidates.length > 0) break;
  }
  if (!p.offline && p.fetchCrl) {
    const got = await downloadFirstCrls(hkd.crlDistributionPoints, p.fetchCrl);
    candidates = [...candidates, ...got.crls];
    if (got.url) out.step('CRL download', 'info', `fetched ${got.crls.length} CRL(s) from ${got.url}`);
  }
  // E7/E8 keep the valid ones
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
    return out.fail('ERR_HKD_NO_VALID_CRL', 'HKD_NO_VALID_CRL', `No valid CRL found (${why})`, 'CRL', {
      missingCrl: missing,
    });
  }
  out.step('CRL', 'pass', `${valid.length} valid CRL(s) of the signing key`);
  // E9 revocation
  if (valid.some((c) => c.revoked.has(hkd.serial)))
    return out.fail(
      'ERR_HKD_REVOKED',
      'HKD_REVOKED',
      `Host-key document is revoked. (serial ${hkd.serial})`,
      'revocation',
    );
  out.step('revocation', 'pass', `serial ${hkd.serial} not revoked`);
  // the host key must be EC P-521 (the C tools' check, spec §4)
  if (
    !out.hasHostKey ||
    key?.asymmetricKeyType !== 'ec' ||
    key.asymmetricKeyDetails?.namedCurve !== 'secp521r1' ||
    bits !== P521_SECURITY_BITS
  )
    return out.fail(
      'ERR_HKD_NOT_P521',
      'HKD_NOT_P521',
      'Host-key document does not use an EC P-521 (secp521r1) key',
      'host key',
    );
  out.step('host key', 'pass', `EC P-521, PHKH ${out.phkh ?? '?'}`);
  return out.pass();
}
