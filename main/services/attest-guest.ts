/**
 * Use case: attest one guest. Verified host keys (injected loader) → createAttestationRequest → remote perform
 * through a GuestTransport (connect, prepare, upload, perform, download, cleanup) → verifyAttestationResponse.
 * Progress events name each step; an AbortSignal cancels; the ARPK never leaves this function and is wiped.
 * A measurement mismatch is a result (`verified: false`); everything else that goes wrong throws a coded error.
 */
import { AttestError, isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import { wipe } from '../engine/bytes.js';
import type { EngineContext } from '../engine/crypto/context.js';
import { createAttestationRequest, type AddDataKind } from '../engine/attest/create.js';
import { verifyAttestationResponse, type AttestationVerification } from '../engine/attest/verify.js';
import type { GuestStep, GuestTransport } from '../transport/guest-transport.js';
import type { HostKeyInfo } from '../transport/host-key.js';

/** Steps of one guest attestation, in order. */
export type AttestGuestStep = 'host-keys' | 'create' | GuestStep | 'verify';

/** A progress event (secret-free). */
export interface AttestGuestProgress {
  readonly guest: string;
  readonly step: AttestGuestStep;
  readonly status: 'start' | 'done' | 'failed';
  readonly elapsedMs?: number;
  readonly bytes?: number;
  /** The guest's SSH host-key fingerprint (connect done). */
  readonly hostKeyFingerprint?: string;
  readonly code?: ErrorCode;
}

/** Loads and verifies the host-key documents; resolves to 160-byte host public keys in slot order. */
export type HostKeyLoader = (signal: AbortSignal | undefined) => Promise<readonly Uint8Array[]>;

/** Inputs of `attestGuest`. */
export interface AttestGuestParams {
  readonly transport: GuestTransport;
  /** HKD verification (e.g. the CLI's `verifyHkdFilesForCreate`, or `--no-verify` reading the keys as they are). */
  readonly loadHostKeys: HostKeyLoader;
  /** SE header of the guest image, bare or the whole image. */
  readonly seHeader: Uint8Array;
  readonly addData?: readonly AddDataKind[];
  /** User data for `perform -u` (at most 256 bytes). */
  readonly userData?: Uint8Array;
  readonly ctx: EngineContext;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: AttestGuestProgress) => void;
  /**
   * Called once the request exists and before the guest is contacted, with the request and its ARPK (a
   * secret: only for the history store, which seals it; the ARPK is wiped after the run).
   */
  readonly onRequestCreated?: (request: {
    readonly exchange: Uint8Array;
    readonly arpk: Uint8Array;
    readonly hostKeys: readonly Uint8Array[];
  }) => void;
}

/** The outcome of one guest attestation. */
export interface AttestGuestResult {
  readonly guest: string;
  /** True when the measurement matched. */
  readonly verified: boolean;
  readonly verification: AttestationVerification;
  readonly hostKey: HostKeyInfo;
  /** Request and response exchange files (no secret in either). */
  readonly request: Uint8Array;
  readonly response: Uint8Array;
  /** Warnings pvattest printed on the guest. */
  readonly guestStderr: string;
  /** Milliseconds per finished step. */
  readonly timings: Readonly<Partial<Record<AttestGuestStep, number>>>;
}

export const MAX_USER_DATA_SIZE = 256;

function cancelled(guest: string, signal: AbortSignal): AttestError {
  return isAttestError(signal.reason)
    ? signal.reason
    : new AttestError('ERR_TRANSPORT_CANCELLED', `attestation of ${guest} was cancelled`);
}

/** Attests one guest end to end; see the module summary. */
export async function attestGuest(params: AttestGuestParams): Promise<AttestGuestResult> {
  const guest = params.transport.target;
  const timings: Partial<Record<AttestGuestStep, number>> = {};
  const emit = (e: Omit<AttestGuestProgress, 'guest'>) => {
    if (e.status !== 'start' && e.elapsedMs !== undefined) timings[e.step] = e.elapsedMs;
    try {
      params.onProgress?.({ guest, ...e });
    } catch {
      // listeners never break the run
    }
  };
  const local = async <T>(step: AttestGuestStep, fn: () => T | Promise<T>): Promise<T> => {
    if (params.signal?.aborted) throw cancelled(guest, params.signal);
    const started = Date.now();
    emit({ step, status: 'start' });
    try {
      const value = await fn();
      emit({ step, status: 'done', elapsedMs: Date.now() - started });
      return value;
    } catch (error) {
      emit({
        step,
        status: 'failed',
        elapsedMs: Date.now() - started,
        code: isAttestError(error) ? error.code : 'ERR_TRANSPORT_INTERNAL',
      });
      throw error;
    }
  };

  if (params.userData !== undefined && params.userData.length > MAX_USER_DATA_SIZE) {
    throw new AttestError(
      'ERR_USER_DATA_SIZE',
      `user data is ${params.userData.length} bytes; at most ${MAX_USER_DATA_SIZE} are allowed`,
      {
        size: params.userData.length,
      },
    );
  }
  const hostKeys = await local('host-keys', () => params.loadHostKeys(params.signal));
  const request = await local('create', () =>
    createAttestationRequest({ hostKeys, ctx: params.ctx, ...(params.addData ? { addData: params.addData } : {}) }),
  );
  try {
    params.onRequestCreated?.({ exchange: request.exchange, arpk: request.arpk, hostKeys });
    const performed = await params.transport.performOnGuest({
      request: request.exchange,
      ...(params.userData !== undefined ? { userData: params.userData } : {}),
      ...(params.signal ? { signal: params.signal } : {}),
      onStep: (e) =>
        emit({
          step: e.step,
          status: e.status,
          ...(e.elapsedMs !== undefined ? { elapsedMs: e.elapsedMs } : {}),
          ...(e.bytes !== undefined ? { bytes: e.bytes } : {}),
          ...(e.hostKey ? { hostKeyFingerprint: e.hostKey.fingerprint } : {}),
          ...(e.code ? { code: e.code } : {}),
        }),
    });
    const verification = await local('verify', () =>
      verifyAttestationResponse({ response: performed.response, arpk: request.arpk, seHeader: params.seHeader }),
    );
    return {
      guest,
      verified: verification.verified,
      verification,
      hostKey: performed.hostKey,
      request: request.exchange,
      response: performed.response,
      guestStderr: performed.stderr,
      timings,
    };
  } finally {
    wipe(request.arpk);
  }
}
