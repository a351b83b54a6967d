/**
 * What HKD verification reports: one explained step per check, the chain of trust of the signing key(s), one
 * verdict per HKD (with the signing key that was used), and the plain-JSON form kept in the store and in evidence.
 */
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import type { ParsedCertificate } from './x509.js';

/** Failure categories, matching the spec's error catalogue (§5). */
export type HkdFailureCategory =
  | 'INPUT_TOO_LARGE'
  | 'LOAD_ROOT'
  | 'LOAD_CRL'
  | 'CERT_MALFORMED'
  | 'NO_SIGNING_KEY'
  | 'MANY_SIGNING_KEYS'
  | 'SIGNING_KEY_INVALID'
  | 'NO_ISSUING_SIGNING_KEY'
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

/**
 * How the IBM Z signing key is chosen. `exactly-one`: pvattest's rule for `-C` files (exactly one signing key
 * among them, spec §3.3). `per-hkd`: a workspace may hold several (machine generations, IBM's rotations); each
 * HKD is checked against the one that issued it.
 */
export type SigningKeyRule = 'exactly-one' | 'per-hkd';

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
  /** Subject key identifier (hex), when the certificate has one. */
  readonly keyId?: string;
}

/** A CRL the offline verifier needed but did not have. */
export interface MissingCrl {
  readonly issuer: string;
  readonly distributionPoints: readonly string[];
}

/** A failed outcome with its code and what the spec reports with it. */
export interface FailureFields {
  readonly code?: ErrorCode;
  readonly category?: HkdFailureCategory;
  /** OpenSSL verify error code (category SIGNING_KEY_INVALID). */
  readonly x509Code?: number;
  /** OpenSSL error depth: 0 = signing key. */
  readonly depth?: number;
  readonly missingCrl?: MissingCrl;
}

/** Result of loading the material and validating one signing key's chain (Phases A–D). */
export interface ChainReport extends FailureFields {
  readonly ok: boolean;
  readonly reason?: string;
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
export interface HkdResult extends FailureFields {
  readonly name: string;
  readonly verified: boolean;
  /** One line, for people. */
  readonly reason: string;
  readonly facts?: HkdFacts;
  /** The IBM Z signing key the HKD was checked against (the one that issued it). */
  readonly signingKey?: CertificateSummary;
  /** 160-byte coordinates of the host key (P-521 only). */
  readonly publicCoords?: Uint8Array;
  readonly steps: readonly VerificationStep[];
}

/** The full report. */
export interface HkdVerificationReport {
  readonly at: string;
  readonly offline: boolean;
  readonly verified: boolean;
  readonly signingKeyRule: SigningKeyRule;
  /**
   * `exactly-one`: the one signing key's chain. `per-hkd`: loading the material and finding signing keys (its
   * `chain` is empty); each signing key's chain is in `signingKeys`.
   */
  readonly chain: ChainReport;
  /** `per-hkd`: the chain of every signing key found, in input order. */
  readonly signingKeys: readonly ChainReport[];
  readonly hkds: readonly HkdResult[];
}

/** A coded failure inside a phase, turned into report entries by the caller. */
export class PhaseFailure extends Error {
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
export interface SourcedCert {
  readonly cert: ParsedCertificate;
  readonly source: string;
}

/** Summarises a certificate for display. */
export function summarize(c: SourcedCert): CertificateSummary {
  return {
    source: c.source,
    subject: c.cert.subject.text,
    issuer: c.cert.issuer.text,
    serial: c.cert.serial,
    notBefore: c.cert.notBefore.toISOString(),
    notAfter: c.cert.notAfter.toISOString(),
    sha256: c.cert.fingerprint,
    ...(c.cert.subjectKeyId ? { keyId: c.cert.subjectKeyId } : {}),
  };
}

/** The failure fields of a chain report, for the HKDs that inherit it. */
export function chainFailureFields(chain: ChainReport): FailureFields {
  return {
    ...(chain.code ? { code: chain.code } : {}),
    ...(chain.category ? { category: chain.category } : {}),
    ...(chain.x509Code !== undefined ? { x509Code: chain.x509Code } : {}),
    ...(chain.depth !== undefined ? { depth: chain.depth } : {}),
    ...(chain.missingCrl ? { missingCrl: chain.missingCrl } : {}),
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
          x509Code: h.x509Code ?? report.chain.x509Code,
          depth: h.depth ?? report.chain.depth,
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
