/**
 * Attestation runs: the live stepper state per guest, fed by `attest:progress` events; fleet progress; the
 * first-contact host-key prompt; cancellation.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  ATTEST_STEPS,
  type AttestationSummary,
  type AttestProgressEvent,
  type AttestStepId,
  type FleetGuestResult,
  type HostKeyPrompt,
  type StepState,
} from '../../shared/types/ui.js';
import { newRunId, type WorkstationClient } from '../api/client.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';
import { describeCode, plainMessage } from './errors.js';

/** One step as shown by the stepper. */
export interface StepView {
  state: StepState;
  message?: string;
}

/** Progress of one guest within a run. */
export interface GuestRunView {
  guestId: string;
  steps: Record<AttestStepId, StepView>;
  outcome?: {
    outcome: AttestationSummary['outcome'];
    attestationId?: string;
    reasonCode?: string;
    /** UI text chosen by the reason code. */
    reasonText?: string;
    /** The reason as reported (the guest's own error text), when it adds to reasonText. */
    reasonDetail?: string;
  };
}

/** One run (single guest or fleet). */
export interface RunView {
  runId: string;
  kind: 'single' | 'fleet';
  guestIds: string[];
  guests: Record<string, GuestRunView>;
  status: 'running' | 'finished' | 'cancelled' | 'error';
  error?: { code: string; text: string };
  done: number;
  total: number;
  startedAt: string;
}

/** Attest state. */
export interface AttestState {
  current?: RunView;
  prompt?: HostKeyPrompt;
  /** Runs the given guests (one guest → single run). Resolves when the run ends. */
  start(guestIds: string[]): Promise<RunView | undefined>;
  cancel(): Promise<void>;
  /** Runs the guests of the last run again (one click after a refused host key or a failure). */
  retry(guestIds?: string[]): Promise<RunView | undefined>;
  /** Answers the pending host-key prompt. */
  decide(trust: boolean): Promise<void>;
  /** Applies one progress event (exposed for tests). */
  applyProgress(ev: AttestProgressEvent): void;
}

function freshGuest(guestId: string): GuestRunView {
  const steps = {} as Record<AttestStepId, StepView>;
  for (const s of ATTEST_STEPS) steps[s] = { state: 'pending' };
  return { guestId, steps };
}

function outcomeOf(r: {
  outcome: AttestationSummary['outcome'];
  id?: string;
  attestationId?: string;
  reasonCode?: string;
  reason?: string;
}): GuestRunView['outcome'] {
  const attestationId = r.attestationId ?? r.id;
  return {
    outcome: r.outcome,
    ...(attestationId ? { attestationId } : {}),
    ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
    ...(!isVerifiedOutcome(r.outcome) ? { reasonText: describeCode(r.reasonCode, r.reason) } : {}),
    ...(!isVerifiedOutcome(r.outcome) && r.reason && plainMessage(r.reason) !== describeCode(r.reasonCode, r.reason)
      ? { reasonDetail: plainMessage(r.reason) }
      : {}),
  };
}

/** Creates the attest store over a client. */
export function createAttestStore(
  client: WorkstationClient,
  hooks: { onFinished?: () => void } = {},
): StoreApi<AttestState> {
  const store = createStore<AttestState>()((set, get) => {
    function patchRun(runId: string, patch: (run: RunView) => RunView): void {
      const run = get().current;
      if (run && run.runId === runId) set({ current: patch(run) });
    }
    return {
      async start(guestIds) {
        if (guestIds.length === 0 || get().current?.status === 'running') return undefined;
        const runId = newRunId();
        const kind = guestIds.length === 1 ? 'single' : 'fleet';
        const guests: Record<string, GuestRunView> = {};
        for (const id of guestIds) guests[id] = freshGuest(id);
        set({
          current: {
            runId,
            kind,
            guestIds,
            guests,
            status: 'running',
            done: 0,
            total: guestIds.length,
            startedAt: new Date().toISOString(),
          },
          prompt: undefined,
        });
        if (kind === 'single') {
          const result = await client.call('attest:run', { runId, guestId: guestIds[0]! });
          patchRun(runId, (run) =>
            result.ok
              ? {
                  ...run,
                  status: 'finished',
                  done: 1,
                  guests: {
                    ...run.guests,
                    [guestIds[0]!]: { ...run.guests[guestIds[0]!]!, outcome: outcomeOf(result.value) },
                  },
                }
              : {
                  ...run,
                  status: result.error.code === 'ERR_APP_CANCELLED' ? 'cancelled' : 'error',
                  error: { code: result.error.code, text: describeCode(result.error.code, result.error.message) },
                },
          );
        } else {
          const result = await client.call('fleet:attest', { runId, guestIds });
          patchRun(runId, (run) => {
            if (!result.ok) {
              return {
                ...run,
                status: result.error.code === 'ERR_APP_CANCELLED' ? 'cancelled' : 'error',
                error: { code: result.error.code, text: describeCode(result.error.code, result.error.message) },
              };
            }
            const next = { ...run.guests };
            for (const r of result.value)
              if (next[r.guestId]) next[r.guestId] = { ...next[r.guestId]!, outcome: outcomeOf(r) };
            return { ...run, guests: next, status: 'finished', done: result.value.length };
          });
        }
        if (get().prompt?.runId === runId) set({ prompt: undefined });
        hooks.onFinished?.();
        return get().current;
      },
      async retry(guestIds) {
        const run = get().current;
        if (!run || run.status === 'running') return undefined;
        return get().start(guestIds ?? run.guestIds);
      },
      async cancel() {
        const run = get().current;
        if (run?.status === 'running') await client.call('task:cancel', { runId: run.runId });
      },
      async decide(trust) {
        const prompt = get().prompt;
        if (!prompt) return;
        set({ prompt: undefined });
        await client.call('hostkey:decide', { promptId: prompt.promptId, trust });
      },
      applyProgress(ev) {
        patchRun(ev.runId, (run) => {
          const guest = run.guests[ev.guestId];
          if (!guest) return run;
          const step: StepView = { state: ev.state, ...(ev.message ? { message: ev.message } : {}) };
          return {
            ...run,
            guests: { ...run.guests, [ev.guestId]: { ...guest, steps: { ...guest.steps, [ev.step]: step } } },
          };
        });
      },
    };
  });
  client.on('attest:progress', (ev) => store.getState().applyProgress(ev));
  client.on('fleet:progress', (ev) => {
    const run = store.getState().current;
    if (!run || run.runId !== ev.runId) return;
    const r: FleetGuestResult | undefined = ev.result;
    const guests =
      r && run.guests[r.guestId]
        ? { ...run.guests, [r.guestId]: { ...run.guests[r.guestId]!, outcome: outcomeOf(r) } }
        : run.guests;
    store.setState({ current: { ...run, done: ev.done, total: ev.total, guests } });
  });
  client.on('hostkey:prompt', (ev) => {
    if (store.getState().current?.runId === ev.runId) store.setState({ prompt: ev });
  });
  return store;
}
