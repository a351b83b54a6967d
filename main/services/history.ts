/**
 * Attestation history use cases: the calls the attest use case makes around contacting a guest
 * (`beginAttestation` before, `recordVerification` / `recordFailure` after) and the per-guest history listing
 * (`listHistory`, newest first) with its JSON shape for the CLI. Every recorded outcome is the one
 * `judgeAttestation` returns, judged against the policy recorded by `beginAttestation`.
 */
import { isAttestError } from '../../shared/errors/index.js';
import type { AttestationRecord, AttestationStatus, AttestationSteps } from '../../shared/types/store.js';
import type { AttestationPolicy } from '../../shared/types/policy.js';
import { isVerifiedOutcome, type Outcome, type PolicyCheckResult } from '../../shared/types/verdict.js';
import { judgeAttestation } from '../engine/attest/verdict.js';
import { toHex } from '../engine/bytes.js';
import type { BeginAttestationParams, Store } from '../store/index.js';

/** The engine's verification result, structurally (`AttestationVerification` fits). */
export interface VerificationResult {
  verified: boolean;
  cuid: Uint8Array;
  measurement: Uint8Array;
  userData?: Uint8Array;
  additional?: {
    imagePhkh?: Uint8Array;
    attestationPhkh?: Uint8Array;
    secretStoreHash?: Uint8Array;
    firmwareState?: Uint8Array;
  };
}

/** Parameters of `recordVerification`. */
export interface RecordVerificationParams {
  verification: VerificationResult;
  response: Uint8Array;
  steps?: AttestationSteps;
  hkdReport?: unknown;
  /** The SSH host key the guest presented. */
  hostKeyFingerprint?: string;
}

/** One history entry as `history --format json` prints it (snake_case fields kept from before schema 6). */
export interface HistoryJson {
  id: number;
  guest: string;
  /** `pending` or the outcome (same value as `outcome` once finished). */
  status: AttestationStatus;
  /** The outcome (null while pending), the code that explains it and one line in plain words. */
  outcome: Outcome | null;
  code: string | null;
  reason: string | null;
  /** The policy the attempt was judged against (null: not recorded, before schema 6). */
  policy: AttestationPolicy | null;
  /** Every policy check evaluated, with what was expected beside what was seen. */
  checks: PolicyCheckResult[];
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

/**
 * Writes a pending attempt for `guestId` (before the guest is contacted), with the policy it will be judged
 * against; returns its id.
 */
export function beginAttestation(
  store: Store,
  guestId: number,
  inputs: BeginAttestationParams & { policy: AttestationPolicy | null },
): number {
  return store.attestations.begin(guestId, inputs);
}

/** Hex of the decoded additional data (as the store keeps it). */
function additionalHex(a: VerificationResult['additional']): Record<string, string> | null {
  if (!a) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) if (v != null) out[k] = toHex(v);
  return out;
}

/**
 * Completes attempt `id` from a verification result, with the verdict `judgeAttestation` gives against the
 * policy recorded when the attempt began: verified, policy-violation (the first failed check's code) or
 * mismatch.
 */
export function recordVerification(store: Store, id: number, p: RecordVerificationParams): AttestationRecord {
  const v = p.verification;
  const pending = store.attestations.get(id);
  const verdict = judgeAttestation({
    kind: 'measured',
    measurementVerified: v.verified,
    policy: pending.policy,
    seen: {
      userData: v.userData ? toHex(v.userData) : null,
      additionalData: additionalHex(v.additional),
      hkdSha256: pending.hkdSha256,
    },
  });
  return store.attestations.finish(id, {
    status: verdict.outcome as 'verified' | 'policy-violation' | 'mismatch',
    errorCode: verdict.code,
    errorMessage: isVerifiedOutcome(verdict.outcome) ? null : verdict.reason,
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

/**
 * Completes attempt `id` from a thrown error, with the verdict `judgeAttestation` gives for it: `cancelled` for
 * a cancelling code (the user stopped it or refused the host key), else `error` (the message never holds
 * secrets).
 */
export function recordFailure(store: Store, id: number, error: unknown, steps?: AttestationSteps): AttestationRecord {
  const code = isAttestError(error) ? error.code : 'ERR_STORE_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const verdict = judgeAttestation({ kind: 'failed', code, message });
  return store.attestations.finish(id, {
    status: verdict.outcome as 'error' | 'cancelled',
    errorCode: code,
    errorMessage: message,
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
    outcome: r.verdict?.outcome ?? null,
    code: r.verdict?.code ?? null,
    reason: r.verdict?.reason ?? null,
    policy: r.policy,
    checks: r.verdict?.checks ?? [],
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
