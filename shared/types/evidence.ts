/**
 * Plain data of an annual evidence bundle (issue 7): the machine-readable `evidence.json` (schema version
 * EVIDENCE_SCHEMA_VERSION, documented in docs/evidence-schema.md, JSON Schema in the bundle) and the result
 * of re-verifying a bundle. Bytes are lower-case hex, times ISO 8601 strings. No secrets: the ARPK is only in
 * `attestations/<id>/arpk.key`.
 */

import type { AttestationPolicy } from './policy.js';
import type { ReleaseKind, ReleaseRunStatus, ReleaseStep } from './release.js';
import type { Outcome, OutcomeCounts, PolicyCheckResult } from './verdict.js';

/**
 * Version of evidence.json; bumped on any incompatible change. 2.0.0 (issue 11): each attestation carries the
 * outcome of the one verdict model, the policy it was judged against and every check with expected vs seen;
 * totals count each outcome separately. 2.1.0 (issue 14): the secret releases of the period and the attestations
 * that gated them (`releases`, `releases/<id>/`).
 */
export const EVIDENCE_SCHEMA_VERSION = '2.1.0';
/** The in-toto predicate type of the bundle manifest. */
export const EVIDENCE_PREDICATE_TYPE = 'https://se-attestation-workstation.invalid/evidence-bundle/v1';
/** in-toto Statement type and DSSE payload type. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Bundle-relative file names. */
export const BUNDLE_FILES = {
  report: 'report.pdf',
  evidence: 'evidence.json',
  schema: 'evidence.schema.json',
  auditLog: 'audit-log.json',
  publicKey: 'workstation-key.pub.pem',
  manifest: 'manifest.intoto.json',
} as const;

/** Files of one attestation folder `attestations/<id>/`. */
export const ATTESTATION_FILES = {
  request: 'request.bin',
  response: 'response.bin',
  arpk: 'arpk.key',
  seHeader: 'se-header.bin',
  verification: 'verification.json',
} as const;

/** Files of one release folder `releases/<id>/` (a `uv` release's add-secret request: encrypted, no clear value). */
export const RELEASE_FILES = {
  request: 'add-secret-request.bin',
} as const;

/** Status of an attestation attempt as the store recorded it (stores before schema 6 record policy violations as `mismatch`). */
export type EvidenceAttestationStatus = 'pending' | Outcome;

/** Result of recomputing an attestation's measurement from its files (`unreadable`: the files were rejected). */
export type EvidenceMeasurementResult = 'verified' | 'mismatch' | 'no-response' | 'unreadable';

/** Where the policy an attestation was judged against comes from. */
export type EvidencePolicySource =
  /** Recorded with the attempt when it started (store schema 6 on). */
  | 'recorded'
  /** The attempt predates recorded policies: the guest's policy at export time was used. */
  | 'guest-current'
  /** No policy: only the measurement was judged. */
  | 'none';

/** State of the CRLs at the attestation time, as the chain re-check saw it. */
export type EvidenceCrlState = 'valid' | 'revoked' | 'missing' | 'expired' | 'not-yet-valid' | 'not-checked';

/** The HKD chain verdict at the attestation's time, re-computed from the bundled trust material. */
export interface EvidenceHkdChain {
  verdict: 'verified' | 'failed' | 'not-checked';
  /** First failure code of the pki layer (e.g. ERR_HKD_REVOKED). */
  code?: string;
  reason?: string;
  crlState: EvidenceCrlState;
  /** The verdict of the report stored at attestation time (null when none was stored, e.g. --no-verify). */
  storedVerdict: boolean | null;
}

/** One attestation in evidence.json. */
export interface EvidenceAttestationRecord {
  id: string;
  guest: string;
  status: EvidenceAttestationStatus;
  startedAt: string;
  finishedAt: string | null;
  /** The outcome `judgeAttestation` computes from the folder's files and `policy` (only `verified` counts as verified). */
  outcome: Outcome;
  /** The code that explains a non-verified outcome (the first failed policy check, the error's code), else null. */
  outcomeCode: string | null;
  outcomeReason: string;
  /** The policy the attestation was judged against (null: none; only the measurement was judged). */
  policy: AttestationPolicy | null;
  policySource: EvidencePolicySource;
  /** Every policy check that was evaluated, with what was expected beside what was seen. */
  checks: PolicyCheckResult[];
  /** The measurement recomputed from the bundled files. */
  measurementResult: EvidenceMeasurementResult;
  /** The engine's code when the files were rejected (`unreadable`), else null. */
  measurementCode: string | null;
  cuid: string | null;
  userData: string | null;
  measurement: string | null;
  /** PHKHs of the key slots of the request (the HKDs it was encrypted for), slot order. */
  requestPhkhs: string[];
  imagePhkh: string | null;
  attestationPhkh: string | null;
  secretStoreHash: string | null;
  firmwareState: string | null;
  /** The whole additional data of the response (hex), as received. */
  additionalData: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** SHA-256 of the HKDs used, slot order; each is in `trust/`. */
  hkdSha256: string[];
  hkdChain: EvidenceHkdChain;
  /** Bundle-relative folder, `attestations/<id>`. */
  folder: string;
  /** The files present in the folder. */
  files: string[];
}

/** An attestation that gated a release: `gate` before anything was sent, `check` (uv) the store afterwards. */
export interface EvidenceGatingAttestation {
  id: string;
  role: 'gate' | 'check';
  /** Its outcome as this bundle recomputes it (null: it is not in the bundle). */
  outcome: Outcome | null;
}

/** One secret release of the period (issue 14): what was sent, to which instance, gated by which attestations; never the value. */
export interface EvidenceReleaseRecord {
  id: string;
  guest: string;
  release: string;
  kind: ReleaseKind;
  status: ReleaseRunStatus;
  failedStep: ReleaseStep | null;
  errorCode: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** The CUID of the attested instance the release was bound to (recorded only once the gate verified). */
  cuid: string | null;
  secretName: string | null;
  secretType: number | null;
  secretId: string | null;
  /** `uv`: SHA-256 of the add-secret request (in `releases/<id>/`), whether the Ultravisor accepted it, the lock. */
  requestSha256: string | null;
  added: boolean;
  locked: boolean;
  /** `uv`: the requests already in the store before this one, in add order (SHA-256 and tag). */
  priorRequests: { sha256: string; tag: string }[];
  /** `channel`: SHA-256 of the SSH host key presented on the release's connection (= the attested user data). */
  bindingSha256: string | null;
  /** The attestations that gated the release, in order. */
  gatingAttestations: EvidenceGatingAttestation[];
  /** Bundle-relative folder (`releases/<id>`) and its files (a uv release's request); null when there are none. */
  folder: string | null;
  files: string[];
}

/** Per-guest summary. */
export interface EvidenceGuestSummary {
  name: string;
  /** When the guest was added to the workstation (null: unknown, e.g. removed since). */
  createdAt: string | null;
  attestations: number;
  /** Attestations per outcome. */
  outcomes: OutcomeCounts;
  /**
   * Longest time without a verified attestation, in seconds, counted from the later of the period start and
   * the guest's creation, up to min(period end, generatedAt).
   */
  longestGapSeconds: number;
  longestGapFrom: string;
  longestGapTo: string;
  hkdSha256: string[];
}

/** One bundled trust item. */
export interface EvidenceTrustRecord {
  path: string;
  sha256: string;
  role: 'hkd' | 'certificate' | 'root' | 'crl';
  subject: string | null;
  issuer: string | null;
  /** Subject CN and OU of a certificate (an HKD names its host this way), else null. */
  subjectCn: string | null;
  subjectOu: string | null;
  /** Serial number (hex) of a certificate, else null. */
  serial: string | null;
}

/** The audit-log summary in evidence.json. */
export interface EvidenceAuditSummary {
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** prevHash of the first exported entry (the chain anchor; 64 zeros for the genesis entry). */
  anchorPrevHash: string | null;
  headHash: string | null;
}

/** evidence.json. */
export interface EvidenceDocument {
  schemaVersion: string;
  organisation: string;
  period: { from: string; to: string };
  generatedAt: string;
  guestFilter: string[] | null;
  workstationKey: { algorithm: 'ed25519'; fingerprint: string; path: string };
  totals: { guests: number; attestations: number; outcomes: OutcomeCounts };
  guests: EvidenceGuestSummary[];
  trust: EvidenceTrustRecord[];
  audit: EvidenceAuditSummary;
  /** The secret releases of the period, by start time (schema 2.1.0 on). */
  releases: EvidenceReleaseRecord[];
  attestations: EvidenceAttestationRecord[];
}

/** One audit entry in audit-log.json; hash = SHA-256(bytes(prevHash) ‖ UTF-8(canonicalJson({seq, at, action, subjectType, subjectId, data}))). */
export interface EvidenceAuditEntry {
  seq: number;
  at: string;
  action: string;
  subjectType: string;
  subjectId: number | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The re-verification checks, in the order `evidence verify` reports them. */
export const EVIDENCE_CHECKS = [
  'bundle',
  'manifest',
  'signature',
  'key-fingerprint',
  'files',
  'digests',
  'schema',
  'evidence',
  'measurement',
  'outcome',
  'hkd-chain',
  'release',
  'audit-chain',
] as const;

/** Names of the re-verification checks. */
export type EvidenceCheckName = (typeof EVIDENCE_CHECKS)[number];

/** One line of the verification output: a check's summary, or one failure naming its file. */
export interface EvidenceCheckResult {
  check: EvidenceCheckName;
  ok: boolean;
  /** Bundle-relative file at fault (failures). */
  file?: string;
  code?: string;
  detail: string;
}

/** Result of `verifyEvidenceBundle`. */
export interface EvidenceBundleVerification {
  /** Every check passed (the signer may still be unauthenticated: see `signer`). */
  ok: boolean;
  results: EvidenceCheckResult[];
  attestations: number;
  files: number;
  /** Recomputed outcomes of the bundle's attestations (when evidence.json could be read). */
  outcomes: OutcomeCounts | null;
  /**
   * Who signed: `authenticated` only when a trusted key was given and the bundle is signed by it. Without a
   * trusted key the signature proves integrity, not origin (gpg's "not certified with a trusted signature").
   */
  signer: { authenticated: boolean; fingerprint: string | null };
}
