/**
 * The Release dialog's state: a guest's configured secret releases and recent runs, adding a release, and running
 * one with live step progress (`release:progress`). Values never pass through here: a release names its file or
 * keychain entry, and the main process reads it only after the guest verified.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ReleaseRunRecord, ReleaseStep, SecretRelease, SecretReleaseInput } from '../../shared/types/release.js';
import { newRunId, type WorkstationClient } from '../api/client.js';
import { describeCode } from './errors.js';

/** Plain words for the release codes (the rest comes from the shared table). */
const RELEASE_TEXT: Record<string, string> = {
  ERR_RELEASE_NOT_VERIFIED: 'The guest did not verify, so nothing was sent to it.',
  ERR_RELEASE_CHANNEL_MISMATCH:
    'The attested user data is not the host key of this connection: someone may be in between. Nothing was sent.',
  ERR_RELEASE_STORE_CHECK_FAILED: 'The guest’s secret store does not hold exactly the expected secrets.',
  ERR_RELEASE_DUPLICATE_ID: 'The guest already holds a secret with this ID. Tick “Add again” to add it anyway.',
  ERR_RELEASE_ADD_FAILED: 'The guest’s Ultravisor refused the secret.',
  ERR_RELEASE_LOCK_FAILED: 'The secret went in, but the store could not be locked.',
  ERR_RELEASE_COMMAND_MISSING: 'The command the release needs is not installed on the guest.',
  ERR_RELEASE_GUEST_COMMAND_FAILED: 'The guest command that receives the secret failed.',
  ERR_RELEASE_VALUE_UNAVAILABLE: 'The secret’s value could not be read (file or keychain entry).',
  ERR_RELEASE_KEYCHAIN_UNAVAILABLE: 'No OS keychain is available here: use a file.',
  ERR_RELEASE_INVALID: 'The release settings are not valid.',
  ERR_TRANSPORT_HOST_KEY_UNKNOWN: 'Attest this guest once (and trust its host key) before releasing secrets to it.',
};

/** Text for a release failure. */
export function describeReleaseCode(code: string | null | undefined, fallback?: string): string {
  return (code && RELEASE_TEXT[code]) ?? describeCode(code ?? undefined, fallback);
}

/** One step as the dialog shows it. */
export interface ReleaseStepState {
  step: ReleaseStep;
  status: 'start' | 'done' | 'failed';
  code?: string;
}

/** Release dialog state. */
export interface ReleaseState {
  guestId?: string;
  releases: SecretRelease[];
  runs: ReleaseRunRecord[];
  loading: boolean;
  running?: { runId: string; release: string; steps: ReleaseStepState[] };
  result?: ReleaseRunRecord;
  error?: string;
  load(guestId: string): Promise<void>;
  configure(input: SecretReleaseInput): Promise<boolean>;
  run(release: string, force: boolean): Promise<void>;
  cancel(): Promise<void>;
}

/** Creates the release store over a client. */
export function createReleaseStore(client: WorkstationClient): StoreApi<ReleaseState> {
  const store = createStore<ReleaseState>()((set, get) => ({
    releases: [],
    runs: [],
    loading: false,
    async load(guestId) {
      set({ guestId, loading: true, error: undefined });
      const r = await client.call('release:list', { guestId });
      if (r.ok) set({ releases: r.value.releases, runs: r.value.runs, loading: false });
      else set({ loading: false, error: describeReleaseCode(r.error.code, r.error.message) });
    },
    async configure(input) {
      const guestId = get().guestId;
      if (!guestId) return false;
      const r = await client.call('release:configure', { guestId, release: input });
      if (!r.ok) {
        set({ error: describeReleaseCode(r.error.code, r.error.message) });
        return false;
      }
      set({ error: undefined });
      await get().load(guestId);
      return true;
    },
    async run(release, force) {
      const guestId = get().guestId;
      if (!guestId || get().running) return;
      const runId = newRunId();
      set({ running: { runId, release, steps: [] }, result: undefined, error: undefined });
      const r = await client.call('release:run', { runId, guestId, release, ...(force ? { force: true } : {}) });
      set({ running: undefined });
      if (r.ok) set({ result: r.value });
      else set({ error: describeReleaseCode(r.error.code, r.error.message) });
      await get().load(guestId);
    },
    async cancel() {
      const run = get().running;
      if (run) await client.call('task:cancel', { runId: run.runId });
    },
  }));
  client.on('release:progress', (ev) => {
    const run = store.getState().running;
    if (!run || run.runId !== ev.runId) return;
    const steps = run.steps.filter((s) => s.step !== ev.step);
    steps.push({ step: ev.step, status: ev.status, ...(ev.code ? { code: ev.code } : {}) });
    store.setState({ running: { ...run, steps } });
  });
  return store;
}
