/**
 * The port the evidence exporter reads from. The store adapter (SQLite) and the in-memory test source
 * implement it. Everything large is streamed: each method returns an async iterable, and an attestation's
 * bytes travel with that attestation only.
 *
 * Ordering contracts (the exporter relies on them to stay streaming):
 * - `listAttestations` yields attestations ordered by guest name, then `startedAt`, then id.
 * - `listAuditEntries` yields entries ordered by `seq`.
 */
import type {
  EvidenceAttestationStatus,
  EvidenceAuditEntry,
  EvidencePolicySource,
} from '../../../shared/types/evidence.js';
import type { AttestationPolicy } from '../../../shared/types/policy.js';
import type { PriorRequest, ReleaseKind, ReleaseRunStatus, ReleaseStep } from '../../../shared/types/release.js';

/** A guest known to the store. */
export interface EvidenceGuest {
  readonly name: string;
  /** When the guest was added (gaps are never counted from before it existed); absent = unknown. */
  readonly createdAt?: string | null;
}

/** One HKD an attestation request was encrypted for. */
export interface EvidenceHkd {
  /** SHA-256 (hex) of `bytes`. */
  readonly sha256: string;
  /** The HKD as stored (DER or PEM). */
  readonly bytes: Uint8Array;
}

/** One attestation attempt with every byte needed to re-verify it. `arpk` is a secret. */
export interface EvidenceAttestation {
  readonly id: string | number;
  readonly guestName: string;
  readonly status: EvidenceAttestationStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** As recorded (hex), or null. */
  readonly cuid: string | null;
  /** PHKHs recorded for the attempt (hex; request slots, image and attestation PHKH), informational. */
  readonly phkhs?: readonly string[];
  readonly userData: string | null;
  readonly additionalData: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** The policy the attempt is judged against (see `policySource`); null = only the measurement is judged. */
  readonly policy: AttestationPolicy | null;
  /** Where `policy` comes from (default: `recorded` when a policy is given, else `none`). */
  readonly policySource?: EvidencePolicySource;
  /** Request exchange file, response exchange file, ARPK (32 bytes), SE header; null when not kept. */
  readonly request: Uint8Array | null;
  readonly response: Uint8Array | null;
  readonly arpk: Uint8Array | null;
  readonly seHeader: Uint8Array | null;
  /** HKDs in slot order. */
  readonly hkds: readonly EvidenceHkd[];
  /** The HKD verification report stored at attestation time (pki layer JSON), or null. */
  readonly hkdReport: unknown;
}

/** Roles of trust material for chain re-verification. */
export type EvidenceTrustRole = 'certificate' | 'root' | 'crl';

/** A certificate (signing key, intermediate), trust anchor or CRL the store verifies HKDs with. */
export interface EvidenceTrustItem {
  readonly sha256: string;
  readonly role: EvidenceTrustRole;
  readonly bytes: Uint8Array;
  readonly subject?: string | null;
  readonly issuer?: string | null;
}

/** Inputs of `listAttestations`. */
export interface ListEvidenceAttestationsParams {
  /** Attestations with `from <= startedAt < to`. */
  readonly from: Date;
  readonly to: Date;
  /** Only these guests (by name); all when absent. */
  readonly guestNames?: readonly string[];
}

/** One secret release run (no value; a uv release's add-secret request is encrypted for its host). Ids of
 * the gating attestations are those `listAttestations` yields. */
export interface EvidenceRelease {
  readonly id: string | number;
  readonly guestName: string;
  readonly releaseName: string;
  readonly kind: ReleaseKind;
  readonly status: ReleaseRunStatus;
  readonly failedStep: ReleaseStep | null;
  readonly errorCode: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly cuid: string | null;
  readonly secretName: string | null;
  readonly secretType: number | null;
  readonly secretId: string | null;
  readonly request: Uint8Array | null;
  readonly added: boolean;
  readonly locked: boolean;
  readonly priorRequests: readonly PriorRequest[];
  readonly bindingSha256: string | null;
  readonly gateAttestationId: string | number | null;
  readonly checkAttestationId: string | number | null;
}

/** Read access to everything an evidence bundle holds. */
export interface EvidenceSource {
  /** Every guest, by name. */
  listGuests(): AsyncIterable<EvidenceGuest>;
  /** Attestations of a period, ordered by guest name, startedAt, id. */
  listAttestations(params: ListEvidenceAttestationsParams): AsyncIterable<EvidenceAttestation>;
  /** Certificates, trust anchors and CRLs used to verify HKDs (not the HKDs themselves). */
  listTrustMaterial(): AsyncIterable<EvidenceTrustItem>;
  /** Audit entries with `from <= at < to`, ordered by seq. */
  listAuditEntries(params: { readonly from: Date; readonly to: Date }): AsyncIterable<EvidenceAuditEntry>;
  /** Secret releases of a period (`from <= startedAt < to`), ordered by id. Optional (a source without releases). */
  listReleases?(params: ListEvidenceAttestationsParams): AsyncIterable<EvidenceRelease>;
  /** Releases the source (closes the database). Optional. */
  close?(): Promise<void> | void;
}
