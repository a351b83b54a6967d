/**
 * Attestation history use cases: the calls the attest use case makes around contacting a guest
 * (`beginAttestation` before, `finishAttestation` / `recordVerification` / `recordFailure` after) and the
 * per-guest history listing (`listHistory`, newest first) with its JSON shape for the CLI.
 */
import { isAttestError } from '../../shared/errors/index.js';
import type { AttestationRecord, AttestationStatus, AttestationSteps, GuestPolicy } from '../../shared/types/store.js';
import type { BeginAttestationParams, FinishAttestationParams, Store } from '../store/index.js';
import { checkGuestPolicy, type PolicyCheckInput } from './guests.js';

/** The engine's verification result, structurally (`AttestationVerification` fits). */
export interface VerificationResult extends PolicyCheckInput {
  verified: boolean;
  cuid: Uint8Array;
  measurement: Uint8Array;
}

/** Parameters of `recordVerification`. */
export interface RecordVerificationParams {
  verification: VerificationResult;
  response: Uint8Array;
  /** The guest's policy; checked only when the measurement verified. */
  policy?: GuestPolicy;
  steps?: AttestationSteps;
  hkdReport?: unknown;
  /** The SSH host key the guest presented. */
  hostKeyFingerprint?: string;
}

/** One history entry as `history --format json` prints it. */
export interface HistoryJson {
  id: number;
  guest: string;
  status: AttestationStatus;
  started_at: string;
  finished_at: string | null;
  cuid: string | null;
  error_code: string | null;
  error_message: string | null;
  measurement: string | null;
  user_data: string | null;
  additional_data: AttestationRecord['additionalData'];
  hkd_sha256: string[];
  add_data: string[];
  request_sha256: string | null;
  response_sha256: string | null;
  steps: AttestationSteps;
}

/** Writes a pending attempt for `guestId` (before the guest is contacted); returns its id. */
export function beginAttestation(store: Store, guestId: number, inputs: BeginAttestationParams = {}): number {
  return store.attestations.begin(guestId, inputs);
}

/** Completes attempt `id` with an explicit outcome, in one transaction. */
export function finishAttestation(store: Store, id: number, outcome: FinishAttestationParams): AttestationRecord {
  return store.attestations.finish(id, outcome);
}

/**
 * Completes attempt `id` from a verification result: `verified`, or `mismatch` for a measurement mismatch
 * (no code) or a policy violation (its ERR_POLICY_* code).
 */
export function recordVerification(store: Store, id: number, p: RecordVerificationParams): AttestationRecord {
  const v = p.verification;
  const violation = v.verified && p.policy ? checkGuestPolicy(p.policy, v) : undefined;
  const status: FinishAttestationParams['status'] = v.verified && !violation ? 'verified' : 'mismatch';
  return store.attestations.finish(id, {
    status,
    errorCode: violation?.code ?? null,
    errorMessage:
      violation?.message ?? (v.verified ? null : 'measurement does not match (wrong image, header or ARPK)'),
    response: p.response,
    cuid: v.cuid,
    measurement: v.measurement,
    ...(v.userData ? { userData: v.userData } : {}),
    ...(v.additional ? { additionalData: v.additional } : {}),
    ...(p.steps ? { steps: p.steps } : {}),
    ...(p.hkdReport !== undefined ? { hkdReport: p.hkdReport } : {}),
    ...(p.hostKeyFingerprint ? { hostKeyFingerprint: p.hostKeyFingerprint } : {}),
  });
}

/** Completes attempt `id` as `error` from a thrown error (its code when coded; the message never holds secrets). */
export function recordFailure(store: Store, id: number, error: unknown, steps?: AttestationSteps): AttestationRecord {
  return store.attestations.finish(id, {
    status: 'error',
    errorCode: isAttestError(error) ? error.code : 'ERR_STORE_INTERNAL',
    errorMessage: error instanceof Error ? error.message : String(error),
    ...(steps ? { steps } : {}),
  });
}

/** Attempts of guest `name` (an active guest, else the latest removed one of that name), newest first. */
export function listHistory(store: Store, name: string, p: { since?: Date; limit?: number } = {}): AttestationRecord[] {
  const active = store.guests.find(name);
  const guestId =
    active?.id ??
    (store.db.prepare('SELECT id FROM guests WHERE name = ? ORDER BY id DESC LIMIT 1').pluck().get(name) as
      number | undefined);
  if (guestId === undefined) store.guests.get(name); // throws ERR_STORE_GUEST_NOT_FOUND
  return store.attestations.list(guestId!, { ...(p.since ? { since: p.since } : {}), limit: p.limit ?? -1 });
}

/** The JSON shape of one history entry. */
export function toHistoryJson(r: AttestationRecord): HistoryJson {
  return {
    id: r.id,
    guest: r.guestName,
    status: r.status,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    cuid: r.cuid,
    error_code: r.errorCode,
    error_message: r.errorMessage,
    measurement: r.measurement,
    user_data: r.userData,
    additional_data: r.additionalData,
    hkd_sha256: r.hkdSha256,
    add_data: r.addData,
    request_sha256: r.requestSha256,
    response_sha256: r.responseSha256,
    steps: r.steps,
  };
}
