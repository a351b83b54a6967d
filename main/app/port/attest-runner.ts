/**
 * One attestation of a stored guest for the UI: runs `attestStoredGuest` (which records every attempt) and
 * turns its progress into the stepper's steps — host-keys → verify-hkds, create, connect, prepare+upload →
 * upload, perform, download (+cleanup), verify — then 'record' once the attempt is stored. The recorded outcome
 * decides the end: a measurement mismatch or policy violation fails the 'verify' step with the recorded reason;
 * an error fails the step it happened in, with the guest's own error text; a cancelled run (stopped, or its
 * host key refused) is cancelled, or failed at 'connect' for a refusal. First contact asks through the control.
 */
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import type { Guest } from '../../../shared/types/store.js';
import { isJudgedOutcome, isVerifiedOutcome } from '../../../shared/types/verdict.js';
import { ATTEST_STEPS, type AttestationSummary, type AttestStepId, type StepState } from '../../../shared/types/ui.js';
import type { EngineContext } from '../../engine/crypto/context.js';
import type { AttestControl } from '../../ipc/port.js';
import type { AttestGuestProgress } from '../../services/attest-guest.js';
import { attestStoredGuest, type TransportFactory } from '../../services/attest-stored-guest.js';
import type { Store } from '../../store/index.js';
import type { HostKeyInfo } from '../../transport/host-key.js';
import { errorPayloadOf, reasonCodeOf, reasonOf, toAttestationSummary } from './mappers.js';

/** Engine step → stepper step (undefined: not shown on its own). */
const STEP_OF: Record<AttestGuestProgress['step'], AttestStepId | undefined> = {
  'host-keys': 'verify-hkds',
  create: 'create',
  connect: 'connect',
  prepare: 'upload',
  upload: 'upload',
  perform: 'perform',
  download: 'download',
  cleanup: undefined,
  verify: 'verify',
};

/** Inputs of `runStoredAttestation`. */
export interface RunStoredAttestationParams {
  readonly store: Store;
  readonly guest: Guest;
  readonly ctx: EngineContext;
  readonly control: AttestControl;
  /** Asks the user about an unknown host key (serialised by the caller); resolves true to trust and pin. */
  readonly confirmHostKey: (info: HostKeyInfo) => Promise<boolean>;
  /** Told when a first-contact key was trusted (to remember its algorithm). */
  readonly onPinned?: (info: HostKeyInfo) => void;
  /** Told the host key the guest presented in a run that reached it. */
  readonly onHostKeySeen?: (info: HostKeyInfo) => void;
  readonly agentSocket?: string;
  readonly transportFactory?: TransportFactory;
}

function cancelledError(): AttestError {
  return new AttestError('ERR_APP_CANCELLED', 'cancelled by the user');
}

/** Attests one stored guest with live step updates; resolves with the recorded attempt's summary. */
export async function runStoredAttestation(p: RunStoredAttestationParams): Promise<AttestationSummary> {
  const { control, guest } = p;
  const guestId = String(guest.id);
  const states = new Map<AttestStepId, StepState>();
  const report = (step: AttestStepId, state: StepState, message?: string, code?: string): void => {
    states.set(step, state);
    const error = message !== undefined ? errorPayloadOf(code, message) : undefined;
    control.reportStep({
      guestId,
      step,
      state,
      ...(message !== undefined ? { message } : {}),
      ...(error ? { error } : {}),
    });
  };
  let failedStep: AttestStepId | undefined;
  const onProgress = (e: AttestGuestProgress): void => {
    const step = STEP_OF[e.step];
    if (e.status === 'failed') {
      failedStep ??= step ?? 'download';
      return;
    }
    if (!step) return;
    if (e.status === 'start') {
      if (states.get(step) !== 'running') report(step, 'running');
    } else if (e.step !== 'prepare' && e.step !== 'verify') {
      // 'verify' is decided from the recorded outcome below (a mismatch is a normal end of that step).
      report(step, 'done');
    }
  };
  const decideHostKey = async (info: HostKeyInfo): Promise<boolean> => {
    const trusted = await p.confirmHostKey(info);
    if (trusted) p.onPinned?.(info);
    return trusted;
  };

  let recorded;
  try {
    recorded = await attestStoredGuest({
      store: p.store,
      guest: guest.id,
      ctx: p.ctx,
      decideHostKey,
      signal: control.signal,
      onProgress,
      ...(p.agentSocket ? { agentSocket: p.agentSocket } : {}),
      ...(p.transportFactory ? { transportFactory: p.transportFactory } : {}),
    });
  } catch (error) {
    // Thrown before anything was recorded (e.g. a policy naming an HKD that is not imported).
    const step = ATTEST_STEPS.find((s) => states.get(s) !== 'done') ?? 'verify-hkds';
    report(
      step,
      'failed',
      error instanceof Error ? error.message : 'failed',
      isAttestError(error) ? error.code : undefined,
    );
    throw error;
  }
  const r = recorded.record;
  if (recorded.result) p.onHostKeySeen?.(recorded.result.hostKey);
  const outcome = r.verdict?.outcome;
  if (outcome === 'cancelled' && control.signal.aborted) {
    for (const s of ATTEST_STEPS)
      if (states.get(s) === 'running' || (s === failedStep && states.get(s) !== 'done')) report(s, 'cancelled');
    throw cancelledError();
  }
  if (isVerifiedOutcome(outcome)) {
    report('verify', 'done');
  } else {
    const message = reasonOf(r) ?? 'failed';
    const code = reasonCodeOf(r);
    const step: AttestStepId = isJudgedOutcome(outcome) // a mismatch or policy violation: the verify step decided it
      ? 'verify'
      : (failedStep ?? ATTEST_STEPS.find((s) => states.get(s) !== 'done') ?? 'verify-hkds');
    report(step, 'failed', message, code);
    // Another step left running did not finish either; only the failing step is marked failed.
    for (const s of ATTEST_STEPS) if (s !== step && states.get(s) === 'running') report(s, 'pending');
  }
  report('record', 'running');
  report('record', 'done');
  if (outcome === 'cancelled' && r.verdict?.code === 'ERR_APP_HOSTKEY_REJECTED') {
    throw new AttestError(
      'ERR_APP_HOSTKEY_REJECTED',
      `the SSH host key of ${guest.name} was not trusted; nothing was sent to it (attempt ${r.id} recorded)`,
    );
  }
  return toAttestationSummary(r);
}
