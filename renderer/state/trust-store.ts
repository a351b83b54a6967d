/** Trust material: HKDs, certificates, CRLs; import with progress; expiry warnings. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { TrustDependents, TrustImportFile, TrustImportResult, TrustItem } from '../../shared/types/ui.js';
import { newRunId, unwrap, type WorkstationClient } from '../api/client.js';
import { describeCode, describeError } from './errors.js';

/** Items expiring within this many days are flagged. */
export const EXPIRY_WARNING_DAYS = 30;

/** Trust state. */
export interface TrustState {
  items: TrustItem[];
  loaded: boolean;
  error?: string;
  importing?: { runId: string; done: number; total: number };
  lastImport?: TrustImportResult;
  load(): Promise<void>;
  /** Imports files (already read as base64); resolves to the per-file result. */
  importFiles(files: TrustImportFile[]): Promise<TrustImportResult | undefined>;
  cancelImport(): Promise<void>;
  /** The item whose removal waits for the user's confirmation, with what depends on it. */
  pendingRemoval?: { item: TrustItem; dependents: TrustDependents };
  /** Asks before removing: loads what depends on the item and shows the question. */
  askRemove(id: string): Promise<void>;
  /** Drops the question. */
  cancelRemove(): void;
  /** Removes the item the question was about; resolves to it (for Undo) or undefined on failure. */
  confirmRemove(): Promise<TrustItem | undefined>;
  /** Removes an item without asking; resolves to it, or undefined on failure. */
  remove(id: string): Promise<TrustItem | undefined>;
  /** Brings a removed item back (Undo); resolves true when it is back. */
  restore(id: string): Promise<boolean>;
}

/** The toast of an import: new, already present and rejected files counted separately. */
export function describeImport(r: TrustImportResult): string {
  const parts = [`${r.imported.length} new`, `${r.alreadyPresent.length} already present`];
  if (r.rejected.length > 0) parts.push(`${r.rejected.length} rejected`);
  return `Imported: ${parts.join(', ')}`;
}

/** Items whose notAfter/nextUpdate is within EXPIRY_WARNING_DAYS (or past), soonest first. */
export function selectExpiringSoon(items: readonly TrustItem[]): TrustItem[] {
  return items
    .filter((t) => t.daysLeft !== undefined && t.daysLeft < EXPIRY_WARNING_DAYS)
    .sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0));
}

/** Base64 of bytes (browser-safe, chunked). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Creates the trust store over a client. */
export function createTrustStore(client: WorkstationClient): StoreApi<TrustState> {
  const store = createStore<TrustState>()((set, get) => ({
    items: [],
    loaded: false,
    async load() {
      const result = await client.call('trust:list', {});
      if (result.ok) set({ items: result.value, loaded: true, error: undefined });
      else set({ loaded: true, error: describeCode(result.error.code, result.error.message) });
    },
    async importFiles(files) {
      if (files.length === 0 || get().importing) return undefined;
      const runId = newRunId();
      set({ importing: { runId, done: 0, total: files.length }, error: undefined });
      try {
        const result = unwrap(await client.call('trust:import', { runId, files }));
        set({ lastImport: result });
        await get().load();
        return result;
      } catch (error) {
        set({ error: describeError(error).text });
        return undefined;
      } finally {
        set({ importing: undefined });
      }
    },
    async cancelImport() {
      const run = get().importing;
      if (run) await client.call('task:cancel', { runId: run.runId });
    },
    async askRemove(id) {
      const item = get().items.find((t) => t.id === id);
      if (!item) return;
      const result = await client.call('trust:dependents', { id });
      if (!result.ok) {
        set({ error: describeCode(result.error.code, result.error.message) });
        return;
      }
      set({ pendingRemoval: { item, dependents: result.value } });
    },
    cancelRemove() {
      set({ pendingRemoval: undefined });
    },
    async confirmRemove() {
      const pending = get().pendingRemoval;
      if (!pending) return undefined;
      set({ pendingRemoval: undefined });
      return get().remove(pending.item.id);
    },
    async remove(id) {
      const item = get().items.find((t) => t.id === id);
      const result = await client.call('trust:remove', { id });
      if (!result.ok) set({ error: describeCode(result.error.code, result.error.message) });
      await get().load();
      return result.ok ? item : undefined;
    },
    async restore(id) {
      const result = await client.call('trust:restore', { id });
      if (!result.ok) set({ error: describeCode(result.error.code, result.error.message) });
      await get().load();
      return result.ok;
    },
  }));
  client.on('task:progress', (ev) => {
    const run = store.getState().importing;
    if (run && ev.runId === run.runId)
      store.setState({ importing: { runId: run.runId, done: ev.done, total: ev.total } });
  });
  return store;
}
