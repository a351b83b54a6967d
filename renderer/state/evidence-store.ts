/** The evidence export dialog: period, guests, destination; progress and cancellation. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EvidenceDefaults, EvidenceExportResult } from '../../shared/types/ui.js';
import { newRunId, type WorkstationClient } from '../api/client.js';
import { describeCode } from './errors.js';

/** Evidence state. */
export interface EvidenceState {
  running?: { runId: string; done: number; total: number };
  result?: EvidenceExportResult;
  error?: string;
  /** The remembered organisation, the workstation key and the verify command (`evidence:defaults`). */
  defaults?: EvidenceDefaults;
  /** Loads `defaults` (after an export too: the organisation used is remembered for the workspace). */
  loadDefaults(): Promise<void>;
  exportBundle(request: {
    from: string;
    to: string;
    guestIds: string[];
    destination: string;
    organisation?: string;
  }): Promise<void>;
  cancel(): Promise<void>;
  /** Desktop: shows the exported bundle in the file manager. */
  reveal(path: string): Promise<void>;
}

/** Creates the evidence store over a client. */
export function createEvidenceStore(client: WorkstationClient): StoreApi<EvidenceState> {
  const store = createStore<EvidenceState>()((set, get) => ({
    async loadDefaults() {
      const result = await client.call('evidence:defaults', {});
      if (result.ok) set({ defaults: result.value });
    },
    async exportBundle(request) {
      if (get().running) return;
      const runId = newRunId();
      set({ running: { runId, done: 0, total: 0 }, result: undefined, error: undefined });
      const result = await client.call('evidence:export', { runId, ...request });
      set({ running: undefined });
      if (result.ok) {
        set({ result: result.value });
        await get().loadDefaults();
      } else set({ error: describeCode(result.error.code, result.error.message) });
    },
    async cancel() {
      const run = get().running;
      if (run) await client.call('task:cancel', { runId: run.runId });
    },
    async reveal(path) {
      const result = await client.call('evidence:reveal', { path });
      if (!result.ok) set({ error: describeCode(result.error.code, result.error.message) });
    },
  }));
  client.on('task:progress', (ev) => {
    const run = store.getState().running;
    if (run && run.runId === ev.runId)
      store.setState({ running: { runId: run.runId, done: ev.done, total: ev.total } });
  });
  return store;
}
