/** Guests: the list with derived status, search/filter, multi-selection, the opened guest, add/edit/remove. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GuestDetail, GuestInput, GuestStatus, GuestSummary } from '../../shared/types/ui.js';
import { unwrap, type WorkstationClient } from '../api/client.js';
import { describeCode } from './errors.js';

/** Columns the guests table sorts by. */
export type GuestSortKey = 'name' | 'target' | 'status' | 'last' | 'expires';

/** Sort column and direction. */
export interface GuestSort {
  key: GuestSortKey;
  dir: 'asc' | 'desc';
}

/** Guests state. */
export interface GuestsState {
  guests: GuestSummary[];
  loaded: boolean;
  loading: boolean;
  error?: string;
  search: string;
  statusFilter: GuestStatus | 'all';
  sort: GuestSort;
  selected: string[];
  detail?: GuestDetail;
  detailError?: string;
  load(): Promise<void>;
  setSearch(search: string): void;
  setStatusFilter(status: GuestStatus | 'all'): void;
  /** Sorts by a column; the same column again reverses the direction. */
  sortBy(key: GuestSortKey): void;
  toggleSelected(id: string): void;
  setSelected(ids: string[]): void;
  loadDetail(id: string): Promise<void>;
  /** Adds a guest; resolves to the new guest or throws a CallError. */
  add(input: GuestInput): Promise<GuestSummary>;
  edit(id: string, patch: Partial<GuestInput>): Promise<GuestSummary>;
  remove(id: string): Promise<void>;
}

/** Status order when sorting: the ones that need attention first. */
const STATUS_RANK: Record<GuestStatus, number> = { failing: 0, stale: 1, never: 2, verified: 3 };

function compareGuests(key: GuestSortKey): (a: GuestSummary, b: GuestSummary) => number {
  const text = (x: string, y: string): number => x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' });
  // Missing times sort as the oldest.
  const time = (x: string | undefined, y: string | undefined): number =>
    (x ? Date.parse(x) : -Infinity) - (y ? Date.parse(y) : -Infinity) || 0;
  switch (key) {
    case 'name':
      return (a, b) => text(a.name, b.name);
    case 'target':
      return (a, b) => text(a.sshTarget, b.sshTarget);
    case 'status':
      return (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status];
    case 'last':
      return (a, b) => time(a.lastAttestation?.at, b.lastAttestation?.at);
    case 'expires':
      return (a, b) => time(a.trustExpiresAt, b.trustExpiresAt);
  }
}

/** The guests matching the search and the status filter, sorted. */
export function selectVisibleGuests(
  s: Pick<GuestsState, 'guests' | 'search' | 'statusFilter'> & { sort?: GuestSort },
): GuestSummary[] {
  const q = s.search.trim().toLowerCase();
  const shown = s.guests.filter(
    (g) =>
      (s.statusFilter === 'all' || g.status === s.statusFilter) &&
      (q === '' || `${g.name} ${g.sshTarget}`.toLowerCase().includes(q)),
  );
  if (!s.sort) return shown;
  const cmp = compareGuests(s.sort.key);
  const sign = s.sort.dir === 'asc' ? 1 : -1;
  return shown.sort((a, b) => sign * cmp(a, b) || a.name.localeCompare(b.name));
}

/** The selection without the guests the search or filter hides. */
function keepVisible(s: GuestsState, patch: Partial<GuestsState>): Partial<GuestsState> {
  const next = { ...s, ...patch };
  const visible = new Set(selectVisibleGuests(next).map((g) => g.id));
  return { ...patch, selected: s.selected.filter((id) => visible.has(id)) };
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
    sort: { key: 'name', dir: 'asc' },
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
    // A guest the search or filter hides is no longer selected: a batch only attests what the table shows.
    setSearch: (search) => set((s) => keepVisible(s, { search })),
    setStatusFilter: (statusFilter) => set((s) => keepVisible(s, { statusFilter })),
    sortBy: (key) =>
      set((s) => ({
        sort: { key, dir: s.sort.key === key && s.sort.dir === 'asc' ? 'desc' : 'asc' },
      })),
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
