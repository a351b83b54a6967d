/**
 * Plain data types of the store (guests, trust material, attestation records, audit entries) as they cross
 * the IPC contract and the CLI's JSON output: bytes as lower-case hex, dates as ISO 8601 strings. Secrets
 * (the ARPK) never appear here.
 */
import type { AddDataKind, AttestationPolicy, GuestPolicy } from './policy.js';
import type { Outcome, Verdict } from './verdict.js';

export type { AddDataKind, AttestationPolicy, GuestPolicy };

/** The fields a caller supplies to add or edit a guest. */
export interface GuestInput {
  name: string;
  /** `user@host[:port]` or `host`. */
  sshTarget?: string | null;
  jumpHost?: string | null;
  /** A path to a private key file, or the literal "agent"; never key material. */
  identityRef?: string | null;
  /** Pinned SSH host-key fingerprint, e.g. `SHA256:...`. */
  hostKeyFingerprint?: string | null;
  /** Algorithm of the pinned key, e.g. `ssh-ed25519` (known once the guest was contacted). */
  hostKeyType?: string | null;
  /** The SE header bytes (hex), when stored in the database. */
  seHeaderHex?: string | null;
  /** A path to the SE image or header, when not stored. */
  imagePath?: string | null;
  policy?: GuestPolicy;
  notes?: string | null;
  tags?: string[];
}

/** A stored guest. */
export interface Guest {
  id: number;
  name: string;
  sshTarget: string | null;
  jumpHost: string | null;
  identityRef: string | null;
  hostKeyFingerprint: string | null;
  hostKeyType: string | null;
  /** SHA-256 (hex) of the stored SE header, or null. */
  seHeaderSha256: string | null;
  seHeaderSize: number | null;
  imagePath: string | null;
  policy: GuestPolicy;
  notes: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

/** Derived guest state: `ok` (last attempt verified and recent), `stale`, `failing`, `pending`, `never`. */
export type GuestHealth = 'ok' | 'stale' | 'failing' | 'pending' | 'never';

/**
 * A guest with its derived status. `health` is derived from the latest attempt whose outcome counts for the
 * status (STATUS_OUTCOMES: a cancelled or interrupted run never changes it) and from a run in progress.
 */
export interface GuestStatus {
  guestId: number;
  name: string;
  health: GuestHealth;
  lastVerifiedAt: string | null;
  /** Start of the latest attempt of any outcome (cancelled, interrupted and pending ones included). */
  lastAttemptAt: string | null;
  /** Status of that latest attempt. */
  lastStatus: AttestationStatus | null;
  /** Error code of that latest attempt. */
  lastErrorCode: string | null;
  /** The latest attempt that counts for the status (STATUS_OUTCOMES): its id, outcome, code and start. */
  lastOutcomeId: number | null;
  lastOutcome: Outcome | null;
  lastOutcomeCode: string | null;
  lastOutcomeAt: string | null;
  attestationCount: number;
}

/** Kinds of trust material. */
export type TrustKind = 'hkd' | 'signing-key' | 'ca' | 'certificate' | 'crl';

/** A stored trust item (certificate or CRL). */
export interface TrustItem {
  id: number;
  kind: TrustKind;
  sha256: string;
  subject: string | null;
  issuer: string;
  serialNumber: string | null;
  /** Certificates: notBefore; CRLs: thisUpdate. */
  thisUpdate: string | null;
  /** Certificates: notAfter; CRLs: nextUpdate. */
  nextUpdate: string | null;
  /** HKDs: the PHKH of the host key (hex). */
  phkh: string | null;
  /** Where it came from: a file path or URL. */
  source: string | null;
  importedAt: string;
  size: number;
}

/** Freshness of a CRL or certificate at a given time. */
export type TrustFreshness = 'valid' | 'expiring' | 'stale' | 'not-yet-valid';

/** Life cycle of one attestation attempt: `pending` until it ends, then its outcome (shared/types/verdict.ts). */
export type AttestationStatus = 'pending' | Outcome;

/** Timestamps of the steps of one attempt (ISO strings); absent = not reached. */
export interface AttestationSteps {
  requestCreated?: string;
  guestContacted?: string;
  responseReceived?: string;
  verified?: string;
  [step: string]: string | undefined;
}

/** Decoded additional data (hex). */
export interface AttestationAdditionalData {
  imagePhkh?: string;
  attestationPhkh?: string;
  secretStoreHash?: string;
  firmwareState?: string;
  unrecognized?: string;
}

/** One attestation attempt, without secrets; big byte fields are summarised as SHA-256 + size. */
export interface AttestationRecord {
  id: number;
  guestId: number;
  guestName: string;
  /** `pending`, or the outcome `judgeAttestation` returned when the attempt was recorded. */
  status: AttestationStatus;
  /** The policy the attempt is judged against, recorded when it started (null: not recorded, before schema 6). */
  policy: AttestationPolicy | null;
  /**
   * The verdict recomputed on read from the row alone (its policy, what it saw, whether its measurement
   * verified); null while pending. Its outcome always equals `status` (the store refuses to write otherwise).
   */
  verdict: Verdict | null;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  steps: AttestationSteps;
  /** SHA-256 (hex) of the HKDs the request was encrypted for, slot order. */
  hkdSha256: string[];
  /** The HKD verification report (free JSON as produced by the pki layer), or null (e.g. `--no-verify`). */
  hkdReport: unknown;
  addData: AddDataKind[];
  cuid: string | null;
  measurement: string | null;
  userData: string | null;
  additionalData: AttestationAdditionalData | null;
  requestSha256: string | null;
  requestSize: number | null;
  responseSha256: string | null;
  responseSize: number | null;
  hasArpk: boolean;
  /** SHA-256 (hex) of the SE header the attempt was verified against (null before schema 3). */
  seHeaderSha256: string | null;
  /** The SSH host key the guest presented (`SHA256:…`), when it was contacted (schema 5 on). */
  hostKeyFingerprint: string | null;
  /** SHA-256 (hex) over the row's canonical content, as recorded in the audit chain. */
  contentHash: string;
}

/** Audit actions. */
export type AuditAction =
  | 'guest.added'
  | 'guest.edited'
  | 'guest.removed'
  | 'trust.imported'
  | 'trust.removed'
  | 'attestation.started'
  | 'attestation.finished'
  | 'attestation.interrupted'
  | 'attestation.migrated'
  | 'setting.changed'
  | 'export.made'
  | 'release.configured'
  | 'release.removed'
  | 'release.started'
  | 'release.progress'
  | 'release.finished'
  | 'release.interrupted';

/** One audit log entry. */
export interface AuditEntry {
  seq: number;
  at: string;
  action: AuditAction;
  subjectType: 'guest' | 'trust' | 'attestation' | 'setting' | 'export' | 'release' | 'release-run';
  subjectId: number | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The result of walking the audit chain. */
export interface AuditVerification {
  ok: boolean;
  entries: number;
  headHash: string | null;
  /** The first problem found, naming the entry (or the row) at fault. */
  firstBroken?: { seq: number | null; subjectType?: string; subjectId?: number | null; reason: string };
}
