/**
 * Use case: attest many guests with bounded concurrency. Host keys are loaded (and verified) once; each guest
 * gets exactly one result, in input order, with the verdict `judgeAttestation` gives it (the measurement only:
 * a fleet run carries no guest policy; the recorded path, services/attest-stored-guest, judges policies); one
 * guest's failure never stops the others. Cancellation stops guests that have not started and cancels the
 * running ones (their outcome is `cancelled`).
 */
import { isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import type { Outcome, Verdict } from '../../shared/types/verdict.js';
import type { AddDataKind } from '../engine/attest/create.js';
import { judgeAttestation } from '../engine/attest/verdict.js';
import type { EngineContext } from '../engine/crypto/context.js';
import type { GuestTransport } from '../transport/guest-transport.js';
import { attestGuest, type AttestGuestProgress, type AttestGuestResult, type HostKeyLoader } from './attest-guest.js';

/** One guest of a fleet. */
export interface FleetGuest {
  /** Caller's id (e.g. the guest's name); echoed in the result. */
  readonly id: string;
  readonly transport: GuestTransport;
  /** SE header of this guest's image, when it differs from the fleet's. */
  readonly seHeader?: Uint8Array;
  readonly userData?: Uint8Array;
}

/** Inputs of `attestFleet`. */
export interface AttestFleetParams {
  readonly guests: readonly FleetGuest[];
  /** Most guests attested at the same time (≥ 1). */
  readonly concurrency: number;
  readonly loadHostKeys: HostKeyLoader;
  readonly seHeader: Uint8Array;
  readonly addData?: readonly AddDataKind[];
  readonly ctx: EngineContext;
  readonly signal?: AbortSignal;
  readonly onProgress?: (id: string, event: AttestGuestProgress) => void;
  /** Called as each guest finishes. */
  readonly onResult?: (result: FleetResult) => void;
}

/** The outcome for one guest. */
export interface FleetResult {
  readonly id: string;
  readonly target: string;
  /** The outcome (verified, mismatch, error or cancelled), as `verdict.outcome`. */
  readonly outcome: Outcome;
  readonly verdict: Verdict;
  readonly result?: AttestGuestResult;
  readonly error?: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
  readonly elapsedMs: number;
}

/** Attests every guest; resolves with one result per guest, in input order. */
export async function attestFleet(params: AttestFleetParams): Promise<FleetResult[]> {
  const limit = Math.max(1, Math.floor(params.concurrency));
  let keys: Promise<readonly Uint8Array[]> | undefined;
  const loadOnce: HostKeyLoader = (signal) => (keys ??= params.loadHostKeys(signal));
  const results: FleetResult[] = new Array(params.guests.length);
  let next = 0;

  const runOne = async (guest: FleetGuest): Promise<FleetResult> => {
    const started = Date.now();
    try {
      const result = await attestGuest({
        transport: guest.transport,
        loadHostKeys: loadOnce,
        seHeader: guest.seHeader ?? params.seHeader,
        ctx: params.ctx,
        ...(params.addData ? { addData: params.addData } : {}),
        ...(guest.userData ? { userData: guest.userData } : {}),
        ...(params.signal ? { signal: params.signal } : {}),
        ...(params.onProgress ? { onProgress: (e: AttestGuestProgress) => params.onProgress!(guest.id, e) } : {}),
      });
      const verdict = judgeAttestation({ kind: 'measured', measurementVerified: result.verified, seen: {} });
      return {
        id: guest.id,
        target: guest.transport.target,
        outcome: verdict.outcome,
        verdict,
        result,
        elapsedMs: Date.now() - started,
      };
    } catch (error) {
      const e = isAttestError(error)
        ? { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
        : { code: 'ERR_TRANSPORT_INTERNAL' as const, message: error instanceof Error ? error.message : String(error) };
      const verdict = judgeAttestation({ kind: 'failed', code: e.code, message: e.message });
      return {
        id: guest.id,
        target: guest.transport.target,
        outcome: verdict.outcome,
        verdict,
        error: e,
        elapsedMs: Date.now() - started,
      };
    }
  };

  const worker = async () => {
    while (next < params.guests.length) {
      const index = next++;
      const r = await runOne(params.guests[index]!);
      results[index] = r;
      try {
        params.onResult?.(r);
      } catch {
        // listeners never break the run
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, params.guests.length) }, worker));
  return results;
}
