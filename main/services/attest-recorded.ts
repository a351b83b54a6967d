/**
 * Runs one attestation with its history row: the row is written `pending` (with the request, its sealed ARPK
 * and the policy it is judged against) once the request exists and before the guest is contacted, and
 * completed in one transaction after with the outcome `judgeAttestation` decides — verified, policy violation,
 * mismatch, error, or cancelled (the signal aborted, or the user refused the host key). A crash in between
 * leaves a pending row that the next open marks `interrupted`.
 */
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import type { AttestationPolicy } from '../../shared/types/policy.js';
import type { AttestationRecord, AttestationSteps } from '../../shared/types/store.js';
import { outcomeOfFailure } from '../engine/attest/verdict.js';
import type { AddDataKind } from '../engine/formats/additional-data.js';
import type { Store } from '../store/index.js';
import type { AttestGuestParams, AttestGuestProgress, AttestGuestResult } from './attest-guest.js';
import { beginAttestation, recordFailure, recordVerification } from './history.js';

/** Inputs of `attestAndRecord`. */
export interface AttestAndRecordParams {
  readonly store: Store;
  readonly guestId: number;
  /** The policy the attempt is judged against (recorded with the pending row; null: measurement only). */
  readonly policy: AttestationPolicy | null;
  readonly addData: readonly AddDataKind[];
  /** SHA-256 (hex) of the HKDs in slot order, when known before the run. */
  readonly hkdSha256: readonly string[];
  /** The bare SE header the response is verified against (kept with the row for later re-verification). */
  readonly seHeader?: Uint8Array;
  /** The HKD verification report, read once the host keys were loaded (undefined with --no-verify). */
  readonly hkdReport: () => unknown;
  readonly now: () => Date;
  /** Runs the attestation with the hooks it must pass on to `attestGuest`. */
  readonly run: (hooks: Pick<AttestGuestParams, 'onRequestCreated' | 'onProgress'>) => Promise<AttestGuestResult>;
  readonly onProgress?: (event: AttestGuestProgress) => void;
  /** The run's cancellation: a failure after it aborted is recorded as cancelled. */
  readonly signal?: AbortSignal;
}

/** The stored outcome; `result` is present when the guest answered and the response was checked. */
export interface RecordedAttestation {
  readonly record: AttestationRecord;
  readonly result?: AttestGuestResult;
  readonly error?: unknown;
}

const STEP_STAMPS: Partial<Record<AttestGuestProgress['step'], keyof AttestationSteps>> = {
  create: 'requestCreated',
  connect: 'guestContacted',
  download: 'responseReceived',
  verify: 'verified',
};

/** Runs `params.run` and records it; never throws for a failed attestation (the error is in the record). */
export async function attestAndRecord(params: AttestAndRecordParams): Promise<RecordedAttestation> {
  const { store } = params;
  const steps: AttestationSteps = {};
  let id: number | undefined;
  const begin = (request?: { exchange: Uint8Array; arpk: Uint8Array }) =>
    beginAttestation(store, params.guestId, {
      hkdSha256: params.hkdSha256,
      hkdReport: params.hkdReport(),
      addData: params.addData,
      policy: params.policy,
      ...(request ? { request: request.exchange, arpk: request.arpk } : {}),
      ...(params.seHeader ? { seHeader: params.seHeader } : {}),
      steps: { ...steps },
    });
  try {
    const result = await params.run({
      onRequestCreated: (request) => {
        id = begin(request);
      },
      onProgress: (event) => {
        const stamp = STEP_STAMPS[event.step];
        if (stamp && event.status === 'done') steps[stamp] = params.now().toISOString();
        params.onProgress?.(event);
      },
    });
    if (id === undefined) id = begin();
    const record = recordVerification(store, id, {
      verification: result.verification,
      response: result.response,
      steps,
      hkdReport: params.hkdReport(),
      hostKeyFingerprint: result.hostKey.fingerprint,
    });
    return { record, result };
  } catch (error) {
    if (id === undefined) id = begin();
    return { record: recordFailure(store, id, failureOf(error, params.signal), steps), error };
  }
}

/** What to record for `error`: once the run was cancelled, whatever broke is the cancellation's doing. */
function failureOf(error: unknown, signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted) return error;
  if (isAttestError(error) && outcomeOfFailure(error.code) === 'cancelled') return error;
  if (isAttestError(signal.reason) && outcomeOfFailure(signal.reason.code) === 'cancelled') return signal.reason;
  return new AttestError('ERR_TRANSPORT_CANCELLED', 'cancelled by the user');
}
