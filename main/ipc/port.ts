/**
 * The port between the UI shell (IPC handlers and web bridge) and the main-process services. Handlers only
 * validate and translate; everything else happens behind this interface. The real implementation lives in
 * main/app/port-adapter.ts; tests may pass an in-memory double.
 */
import type {
  AttestationDetail,
  AttestationSummary,
  AttestStepId,
  AttestationReportExportRequest,
  AttestationReportExportResult,
  EvidenceDefaults,
  EvidenceDefaultsRequest,
  EvidenceExportRequest,
  EvidenceExportResult,
  FleetGuestResult,
  GuestDetail,
  GuestInput,
  GuestListQuery,
  GuestSummary,
  GuestTimeline,
  HistoryPage,
  HistoryQuery,
  StepState,
  TimelineQuery,
  TrustDependents,
  TrustImportResult,
  TrustItem,
  AppErrorPayload,
} from '../../shared/types/ui.js';
import type {
  GuestReleases,
  ReleaseProgressEvent,
  ReleaseRunRecord,
  SecretRelease,
  SecretReleaseInput,
} from '../../shared/types/release.js';

/** Cancellation and progress reporting of one long-running task. */
export interface TaskControl {
  readonly runId: string;
  /** Aborted when the user cancels; services should stop at the next step boundary and throw ERR_APP_CANCELLED. */
  readonly signal: AbortSignal;
  /** Reports coarse progress (done of total). */
  reportProgress(done: number, total: number, message?: string): void;
}

/** One step transition of an attestation. */
export interface StepUpdate {
  guestId: string;
  step: AttestStepId;
  state: StepState;
  /** Human-readable note (for failures: the guest's own error text). */
  message?: string;
  error?: AppErrorPayload;
}

/** The guest's SSH host key as presented at first contact. */
export interface HostKeyOffer {
  guestId: string;
  target: string;
  algorithm: string;
  fingerprintSha256: string;
}

/** Controls of an attestation run: cancellation, step updates and the first-contact host-key decision. */
export interface AttestControl extends TaskControl {
  reportStep(update: StepUpdate): void;
  /** Asks the user whether to trust (and pin) an unknown host key; resolves false on refusal or cancellation. */
  confirmHostKey(offer: HostKeyOffer): Promise<boolean>;
}

/** Controls of a fleet run: everything of an attestation plus per-guest completion. */
export interface FleetControl extends AttestControl {
  reportGuestDone(result: FleetGuestResult, done: number, total: number): void;
}

/** Controls of a release run: cancellation and its step events. */
export interface ReleaseControl {
  readonly runId: string;
  readonly signal: AbortSignal;
  reportRelease(event: Omit<ReleaseProgressEvent, 'runId' | 'at'>): void;
}

/** A file for trust import, as bytes. */
export interface TrustFile {
  name: string;
  bytes: Uint8Array;
}

/** The service operations the UI needs. Methods throw AttestError with a coded reason on failure. */
export interface WorkstationPort {
  /** Guests with derived status, filtered. */
  listGuests(query: GuestListQuery): Promise<GuestSummary[]>;
  /** One guest with its SE header facts, pinned host key and trust material; ERR_APP_NOT_FOUND. */
  getGuest(id: string): Promise<GuestDetail>;
  /** Adds a guest; ERR_APP_CONFLICT on a duplicate name. */
  addGuest(input: GuestInput): Promise<GuestSummary>;
  /** Changes a guest's fields. */
  editGuest(id: string, patch: Partial<GuestInput>): Promise<GuestSummary>;
  /** Removes a guest (its history stays in the audit log). */
  removeGuest(id: string): Promise<void>;
  /** Imports HKDs, certificates and CRLs; per-file rejection is a result, not a throw. */
  importTrust(files: readonly TrustFile[], control: TaskControl): Promise<TrustImportResult>;
  /** All trust material with chain status and freshness. */
  listTrust(): Promise<TrustItem[]>;
  /** Removes one trust item (softly: `restoreTrust` brings it back). */
  removeTrust(id: string): Promise<void>;
  /** The guests and chains that depend on a trust item (asked before removing it). */
  trustDependents(id: string): Promise<TrustDependents>;
  /** Brings back a removed trust item (undo of `removeTrust`); ERR_APP_NOT_FOUND. */
  restoreTrust(id: string): Promise<TrustItem>;
  /** Attests one guest end to end and records the result; a failed verification resolves with verdict 'failed'. */
  runAttestation(guestId: string, control: AttestControl): Promise<AttestationSummary>;
  /** Attests several guests. */
  attestFleet(guestIds: readonly string[], control: FleetControl): Promise<FleetGuestResult[]>;
  /** A guest's secret releases and its latest release runs. */
  listReleases(guestId: string): Promise<GuestReleases>;
  /** Adds or replaces a secret release of a guest (a file or keychain source: the desktop has no stdin). */
  configureRelease(guestId: string, input: SecretReleaseInput): Promise<SecretRelease>;
  /** Releases a configured secret once the guest verified; a failed release resolves with its run (status failed). */
  runRelease(guestId: string, release: string, control: ReleaseControl, force?: boolean): Promise<ReleaseRunRecord>;
  /** A page of history, newest first. */
  listHistory(query: HistoryQuery): Promise<HistoryPage>;
  /** A guest's attempts over a period for the timeline chart (bucketed when dense). */
  guestTimeline(query: TimelineQuery): Promise<GuestTimeline>;
  /** The full report of one attestation including the HKD verification steps. */
  getAttestation(id: string): Promise<AttestationDetail>;
  /** Exports an evidence bundle (issue 7). */
  exportEvidence(request: Omit<EvidenceExportRequest, 'runId'>, control: TaskControl): Promise<EvidenceExportResult>;
  /** The Evidence screen's defaults (remembered organisation, workstation public key, verify command). */
  evidenceDefaults(request: EvidenceDefaultsRequest): Promise<EvidenceDefaults>;
  /** Writes one attestation's report (PDF or JSON); ERR_APP_NOT_FOUND for an unknown attestation. */
  exportAttestationReport(request: AttestationReportExportRequest): Promise<AttestationReportExportResult>;
}
