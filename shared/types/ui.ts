/**
 * Plain data the workstation UI exchanges with the main process (through the contract in shared/contract.ts).
 * Bytes travel as lowercase hex (hashes, CUIDs) or base64 (file contents); dates as ISO-8601 strings.
 * Nothing here may ever hold a secret (ARPK, measurement key, SSH private keys or passphrases).
 */
import type { ErrorCode } from '../errors/index.js';

import type { GuestPolicy } from './policy.js';
import type { Outcome, OutcomeCounts, PolicyCheckResult } from './verdict.js';

/** How a call failed: `code` selects the UI text, `message` is for logs. */
export interface AppErrorPayload {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** At-a-glance state of a guest. */
export type GuestStatus = 'verified' | 'stale' | 'failing' | 'never';
/** Every guest status, in display order. */
export const GUEST_STATUSES: readonly GuestStatus[] = ['verified', 'stale', 'failing', 'never'];

/** Health of trust material as seen from a guest or an item. */
export type Health = 'ok' | 'warning' | 'error' | 'unknown';

export { ADD_DATA_KINDS, type AddDataKind, type GuestPolicy } from './policy.js';

/** Fields of a guest that can be created or edited. */
export interface GuestInput {
  name: string;
  /** `user@host[:port]` or `host`. */
  sshTarget: string;
  /** Path of the SSH identity file on this workstation, or the literal "agent" (the key itself never crosses). */
  identityRef?: string;
  /** The guest's SE header (bare header or image prefix), base64; set at creation or replaced on edit. */
  seHeaderBase64?: string;
  policy: GuestPolicy;
  notes?: string;
  tags?: string[];
  /** Pinned SSH host-key fingerprint (`SHA256:…`); '' on edit removes the pin (asked again at next contact). */
  hostKeyFingerprint?: string;
  /** SSH jump host (`user@host[:port]`); '' on edit removes it. */
  jumpHost?: string;
}

/** The last attestation of a guest, as shown in lists: its outcome, the code and one line explaining it. */
export interface LastAttestation {
  id: string;
  at: string;
  outcome: AttestationOutcome;
  reasonCode?: string;
  reason?: string;
}

/** Trust material a guest needs and does not have: shown in red with a way to the Trust screen. */
export interface GuestTrustIssue {
  /** `no-hkd`: no HKD imported at all; `hkd-missing`: an HKD its policy names is not imported (or removed);
   * `chain`: its HKDs cannot be verified (signing key, CA or CRL missing or invalid). */
  kind: 'no-hkd' | 'hkd-missing' | 'chain';
  message: string;
}

/** One row of the guests list. */
export interface GuestSummary {
  id: string;
  name: string;
  sshTarget: string;
  status: GuestStatus;
  lastAttestation?: LastAttestation;
  hkdHealth: Health;
  crlHealth: Health;
  /** Earliest expiry (certificate notAfter or CRL nextUpdate) among this guest's trust material. */
  trustExpiresAt?: string;
  /** Missing or unverifiable trust material, when any. */
  trustIssue?: GuestTrustIssue;
}

/** The SSH host key pinned at first contact. */
export interface PinnedHostKey {
  algorithm: string;
  /** OpenSSH style `SHA256:base64` fingerprint. */
  fingerprintSha256: string;
  pinnedAt: string;
}

/** Facts read from the guest's SE header (no secrets). */
export interface SeHeaderFacts {
  sizeBytes: number;
  /** Digests as hex: PLD, ALD, TLD. */
  pldHex: string;
  aldHex: string;
  tldHex: string;
  /** PHKH of each key slot, hex. */
  keySlotPhkhs: string[];
}

/** Everything the guest detail screen shows except the history (which is paged). */
export interface GuestDetail extends GuestSummary {
  identityRef?: string;
  jumpHost?: string;
  pinnedHostKey?: PinnedHostKey;
  seHeader?: SeHeaderFacts;
  policy: GuestPolicy;
  hostKeyDocuments: TrustItem[];
  notes?: string;
  tags: string[];
  createdAt: string;
}

/** Query of the guests list. */
export interface GuestListQuery {
  search?: string;
  status?: GuestStatus;
}

/** Kinds of trust material. */
export type TrustKind = 'hkd' | 'signing-key' | 'ca' | 'certificate' | 'crl';

/** Chain status of an HKD (or certificate) against the imported material. */
export type ChainStatus = 'valid' | 'invalid' | 'unknown' | 'not-applicable';

/** One imported HKD, CA/signing certificate or CRL. */
export interface TrustItem {
  id: string;
  kind: TrustKind;
  fileName: string;
  subject: string;
  issuer: string;
  serialHex?: string;
  /** Certificates: validity. */
  notBefore?: string;
  notAfter?: string;
  /** CRLs: freshness. */
  thisUpdate?: string;
  nextUpdate?: string;
  /** Whole days until notAfter / nextUpdate (negative once past). */
  daysLeft?: number;
  chainStatus: ChainStatus;
  chainDetail?: string;
  /** ERR_… of a chain that does not verify, and the item at fault (file or subject), for plain-words text. */
  chainCode?: string;
  chainItem?: string;
  health: Health;
  warnings: string[];
  /** HKD only: the PHKH of its host key, hex. */
  phkhHex?: string;
  /** SHA-256 of the stored file, hex. */
  sha256Hex: string;
  importedAt: string;
}

/** A file handed to trust import. */
export interface TrustImportFile {
  name: string;
  contentBase64: string;
}

/** Outcome of a trust import: per-file acceptance. */
export interface TrustImportResult {
  /** Items new to the workstation (or brought back after a removal). */
  imported: TrustItem[];
  /** Items that were already imported (same content). */
  alreadyPresent: TrustItem[];
  rejected: { name: string; code: string; message: string }[];
}

/** What depends on a trust item: shown before it is removed. */
export interface TrustDependents {
  /** Guests that use the item (an HKD they name, or every HKD when they name none; or its chain). */
  guests: { id: string; name: string; why: string }[];
  /** HKDs and certificates whose chain of trust goes through the item (issued by it, or checked by a CRL). */
  chains: { id: string; kind: TrustKind; subject: string; fileName: string }[];
}

/** The steps of one attestation, in order. */
export type AttestStepId =
  'verify-hkds' | 'create' | 'connect' | 'upload' | 'perform' | 'download' | 'verify' | 'record';
/** The attestation steps in execution order. */
export const ATTEST_STEPS: readonly AttestStepId[] = [
  'verify-hkds',
  'create',
  'connect',
  'upload',
  'perform',
  'download',
  'verify',
  'record',
];

/** State of one step in the stepper. */
export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

/**
 * The outcome of an attestation (shared/types/verdict.ts: verified, policy-violation, mismatch, error,
 * cancelled, interrupted), or `pending` while it runs. Only `verified` counts as verified.
 */
export type AttestationOutcome = Outcome | 'pending';

/** One row of a history list. */
export interface AttestationSummary {
  id: string;
  guestId: string;
  guestName: string;
  startedAt: string;
  durationMs: number;
  outcome: AttestationOutcome;
  /** The code explaining an outcome other than verified (ERR_POLICY_*, ERR_…, or `mismatch`). */
  reasonCode?: string;
  /** One line in plain words (the guest's own error text when a step failed). */
  reason?: string;
  cuidHex?: string;
  measurementHex?: string;
  imagePhkhHex?: string;
  attestationPhkhHex?: string;
  userDataHex?: string;
}

/** One check made while verifying the HKDs. */
export interface HkdVerificationStep {
  hkdSubject: string;
  check: string;
  ok: boolean;
  detail?: string;
  /** ERR_… of a failed check, when the report names one. */
  code?: string;
}

/** One HKD an attestation request was encrypted for, as its report names it. */
export interface ReportHkd {
  /** Full distinguished name. */
  subject: string;
  issuer?: string;
  serialHex?: string;
  notAfter?: string;
  phkhHex?: string;
  verified: boolean;
  reason?: string;
  code?: string;
}

/** One step of a recorded run. */
export interface RecordedStep {
  step: AttestStepId;
  state: StepState;
  durationMs?: number;
  message?: string;
}

/** The full report of one attestation. */
export interface AttestationDetail extends AttestationSummary {
  /** The policy the attestation was judged against (null: not recorded, attestations before schema 6). */
  policy: GuestPolicy | null;
  /** Every policy check evaluated, each with what was expected beside what was seen. */
  policyChecks: PolicyCheckResult[];
  hkdSteps: HkdVerificationStep[];
  steps: RecordedStep[];
  additionalData?: Record<string, string>;
  flagsHex?: string;
  nonceHex?: string;
  requestSha256Hex?: string;
  responseSha256Hex?: string;
  hostKeyFingerprint?: string;
  /** The HKDs of the request with their verdicts (absent when no HKD report was recorded). */
  hkds?: ReportHkd[];
}

/** A page of history, for virtualised lists. */
export interface HistoryQuery {
  guestId?: string;
  /** Only attempts started at or after this time (ISO). */
  from?: string;
  /** Only attempts started at or before this time (ISO). */
  to?: string;
  offset: number;
  limit: number;
}

/** Query of a guest's timeline chart. */
export interface TimelineQuery {
  guestId: string;
  from?: string;
  to?: string;
  /** Above this many attempts in the period the answer is bucketed (default 1000). */
  maxPoints?: number;
}

/** One attempt on the timeline. */
export interface TimelinePoint {
  id: string;
  at: string;
  outcome: Outcome;
  durationMs: number;
  reasonCode?: string;
}

/** A time bucket of a dense timeline: the count of each outcome. */
export interface TimelineBucket {
  start: string;
  end: string;
  counts: OutcomeCounts;
}

/** A guest's attempts over a period: every point, or buckets when there are more than `maxPoints`. */
export interface GuestTimeline {
  guestId: string;
  /** The period covered (the query's, else first to last attempt). */
  from: string;
  to: string;
  /** Attempts in the period. */
  total: number;
  points: TimelinePoint[];
  buckets: TimelineBucket[];
  /** First and last attempt of the guest overall (for "all time"), absent without any. */
  firstAt?: string;
  lastAt?: string;
}

/** A page of history rows and the total row count. */
export interface HistoryPage {
  offset: number;
  total: number;
  items: AttestationSummary[];
}

/** Per-guest result of a fleet run. */
export interface FleetGuestResult {
  guestId: string;
  outcome: AttestationOutcome;
  attestationId?: string;
  reasonCode?: string;
  reason?: string;
}

/** Request of an evidence export (issue 7). */
export interface EvidenceExportRequest {
  runId: string;
  from: string;
  to: string;
  guestIds: string[];
  destination: string;
  /**
   * The organisation named on the report's cover (issue 11). Remembered for this workspace, so the Evidence
   * screen can offer it next time (`evidence:defaults`). Absent or empty: the remembered one is used.
   */
  organisation?: string;
}

/** Outcome of an evidence export. */
export interface EvidenceExportResult {
  path: string;
  attestationCount: number;
  sha256Hex: string;
  /** The workstation's public key an auditor verifies the bundle with (absent when unknown). */
  publicKeyPath?: string;
  /** Attestations per outcome (only `verified` counts as verified). */
  outcomes: OutcomeCounts;
  /** The `SHA256:…` fingerprint of the workstation key that signed the bundle. */
  fingerprint: string;
  /** The exact command an auditor runs to re-verify this bundle with the workstation key as the trusted key. */
  verifyCommand: string;
}

/** Request of `evidence:defaults`: what the Evidence screen shows before an export. */
export interface EvidenceDefaultsRequest {
  /** A bundle (zip or folder) to write the verify command for; absent: the command has a `<bundle>` placeholder. */
  bundlePath?: string;
}

/** The Evidence screen's defaults (issue 11). */
export interface EvidenceDefaults {
  /** The organisation remembered for this workspace (the last one exported with), or null. */
  organisation: string | null;
  /** Where the workstation's Ed25519 public key (PEM) is: the file an auditor passes as `--trusted-key`. */
  publicKeyPath: string;
  /** Its `SHA256:…` fingerprint, to compare out of band (the key is created on first use). */
  publicKeyFingerprint: string;
  /** The exact command: `se-attest evidence verify '<bundle>' --trusted-key '<publicKeyPath>'` (shell-quoted). */
  verifyCommand: string;
}

/** Request of `attestation:export`: one attestation's report as a file (issue 11). */
export interface AttestationReportExportRequest {
  /** The attestation id (as in `AttestationSummary.id`). */
  id: string;
  format: 'pdf' | 'json';
  /**
   * Where to write: a path ending in `.pdf`/`.json` is the file itself; anything else is a folder that receives
   * `attestation-<id>.<format>`. Absent: the workspace's `reports/` folder beside the database.
   */
  destination?: string;
}

/** What `attestation:export` wrote. */
export interface AttestationReportExportResult {
  path: string;
  format: 'pdf' | 'json';
  /** The outcome the report shows (recomputed from the stored files against the recorded policy). */
  outcome: Outcome;
}

/** Asks the user whether to trust a guest's SSH host key on first contact. */
export interface HostKeyPrompt {
  promptId: string;
  runId: string;
  guestId: string;
  /** The SSH target as configured (`user@host:port`). */
  target: string;
  algorithm: string;
  fingerprintSha256: string;
}

/** Progress of one attestation step. */
export interface AttestProgressEvent {
  runId: string;
  guestId: string;
  step: AttestStepId;
  state: StepState;
  message?: string;
  error?: AppErrorPayload;
  at: string;
}

/** Progress of a fleet run. */
export interface FleetProgressEvent {
  runId: string;
  done: number;
  total: number;
  result?: FleetGuestResult;
}

/** Progress of other long work (trust import, evidence export). */
export interface TaskProgressEvent {
  runId: string;
  kind: 'trust-import' | 'evidence-export';
  done: number;
  total: number;
  message?: string;
}

/** What the shell tells the UI about itself. */
export interface AppInfo {
  name: string;
  version: string;
  mode: 'electron' | 'web';
}
