/** Guests: the list with derived status, search/filter, multi-selection, the opened guest, add/edit/remove. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GuestDetail, GuestInput, GuestStatus, GuestSummary } from '../../shared/types/ui.js';
import { unwrap, type WorkstationClient } from '../api/client.js';
import { describeCode } from './errors.js';

/** Guests state. */
export interface GuestsState {
  guests: GuestSummary[];
  loaded: boolean;
  loading: boolean;
  error?: string;
  search: string;
  statusFilter: GuestStatus | 'all';
  selected: string[];
  detail?: GuestDetail;
  detailError?: string;
  load(): Promise<void>;
  setSearch(search: string): void;
  setStatusFilter(status: GuestStatus | 'all'): void;
  toggleSelected(id: string): void;
  setSelected(ids: string[]): void;
  loadDetail(id: string): Promise<void>;
  /** Adds a guest; resolves to the new guest or throws a CallError. */
  add(input: GuestInput): Promise<GuestSummary>;
  edit(id: string, patch: Partial<GuestInput>): Promise<GuestSummary>;
  remove(id: string): Promise<void>;
}

/** The guests matching the search and the status filter. */
export function selectVisibleGuests(s: Pick<GuestsState, 'guests' | 'search' | 'statusFilter'>): GuestSummary[] {
  const q = s.search.trim().toLowerCase();
  return s.guests.filter(
    (g) =>
      (s.statusFilter === 'all' || g.status === s.statusFilter) &&
      (q === '' || `${g.name} ${g.sshTarget}`.toLowerCase().includes(q)),
  );
}

/** Counts per status, for the summary bar. */
export function countByStatus(guests: readonly GuestSummary[]): Record<GuestStatus, number> {
  const counts: Record<GuestStatus, number> = { verified: 0, stale: 0, failing: 0, never: 0 };
  for (const g of guests) counts[g.status] += 1;
  return counts;
}

/** Creates the guests store over a client. */
export function createGuestsStore(client: WorkstationClient): StoreApi<GuestsState> {
  return createStore<GuestsState>()((set, get) => ({
    guests: [],
    loaded: false,
    loading: false,
    search: '',
    statusFilter: 'all',
    selected: [],
    async load() {
      set({ loading: true });
      const result = await client.call('guests:list', {});
      if (result.ok) {
        const ids = new Set(result.value.map((g) => g.id));
        set({
          guests: result.value,
          loaded: true,
          loading: false,
          error: undefined,
          selected: get().selected.filter((id) => ids.has(id)),
        });
      } else {
        set({ loading: false, loaded: true, error: describeCode(result.error.code, result.error.message) });
      }
    },
    setSearch: (search) => set({ search }),
    setStatusFilter: (statusFilter) => set({ statusFilter }),
    toggleSelected: (id) =>
      set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] })),
    setSelected: (ids) => set({ selected: [...new Set(ids)] }),
    async loadDetail(id) {
      if (get().detail?.id !== id) set({ detail: undefined });
      const result = await client.call('guests:get', { id });
      if (result.ok) set({ detail: result.value, detailError: undefined });
      else set({ detail: undefined, detailError: describeCode(result.error.code, result.error.message) });
    },
    async add(input) {
      const guest = unwrap(await client.call('guests:add', input));
      await get().load();
      return guest;
    },
    async edit(id, patch) {
      const guest = unwrap(await client.call('guests:edit', { id, patch }));
      await get().load();
      if (get().detail?.id === id) await get().loadDetail(id);
      return guest;
    },
    async remove(id) {
      unwrap(await client.call('guests:remove', { id }));
      set((s) => ({
        selected: s.selected.filter((x) => x !== id),
        detail: s.detail?.id === id ? undefined : s.detail,
      }));
      await get().load();
    },
  }));
}
