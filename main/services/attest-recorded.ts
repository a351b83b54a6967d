/**
 * Runs one attestation with its history row: the row is written `pending` (with the request and its sealed
 * ARPK) once the request exists and before the guest is contacted, and completed in one transaction after —
 * verified, mismatch, policy violation or error. A crash in between leaves a pending row that the next open
 * marks `interrupted`.
 */
import type { AttestationRecord, AttestationSteps, GuestPolicy } from '../../shared/types/store.js';
import type { AddDataKind } from '../engine/formats/additional-data.js';
import type { Store } from '../store/index.js';
import type { AttestGuestParams, AttestGuestProgress, AttestGuestResult } from './attest-guest.js';
import { beginAttestation, recordFailure, recordVerification } from './history.js';

/** Inputs of `attestAndRecord`. */
export interface AttestAndRecordParams {
  readonly store: Store;
  readonly guestId: number;
  readonly policy?: GuestPolicy;
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
      ...(params.policy ? { policy: params.policy } : {}),
      steps,
      hkdReport: params.hkdReport(),
      hostKeyFingerprint: result.hostKey.fingerprint,
    });
    return { record, result };
  } catch (error) {
    if (id === undefined) id = begin();
    return { record: recordFailure(store, id, error, steps), error };
  }
}
