/**
 * History of attestations, paged for a virtualised list: only pages covering the visible range are
 * requested, and a 10,000-row history never loads (or renders) all rows. Also the opened report.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AttestationDetail, AttestationSummary, GuestTimeline } from '../../shared/types/ui.js';
import type { WorkstationClient } from '../api/client.js';
import { describeCode } from './errors.js';

/** Rows fetched per request. */
export const HISTORY_PAGE_SIZE = 100;

/** History state. */
/** A period of time (ISO instants), both ends included. */
export interface Period {
  from: string;
  to: string;
}

/** History state. */
export interface HistoryState {
  /** Guest whose history is shown; undefined = all guests. */
  guestId?: string;
  /** The period shown (the timeline's zoom); undefined = all time. */
  period?: Period;
  /** The timeline chart of the guest over the period. */
  timeline?: GuestTimeline;
  timelineError?: string;
  total: number;
  loaded: boolean;
  /** Page index → rows. */
  pages: Record<number, AttestationSummary[]>;
  pending: number[];
  error?: string;
  report?: AttestationDetail;
  reportError?: string;
  /** Where the opened report was last exported to (`attestation:export`), or why that failed. */
  reportExport?: { path: string } | { error: string };
  /** Switches to a guest (or all) and loads the first page (and, for a guest, its timeline); all time. */
  open(guestId: string | undefined): Promise<void>;
  /** Zooms to a period (undefined: all time): the timeline and the list show only that period. */
  setPeriod(period: Period | undefined): Promise<void>;
  /** Ensures the rows [start, end) are loaded. */
  ensureRange(start: number, end: number): Promise<void>;
  /** The row at an index if loaded. */
  rowAt(index: number): AttestationSummary | undefined;
  openReport(id: string): Promise<void>;
  /** Writes the opened attestation's report (PDF or JSON) to the workspace's reports folder. */
  exportReport(id: string, format: 'pdf' | 'json'): Promise<void>;
}

/** Number of rows currently held in memory. */
export function countLoadedRows(s: Pick<HistoryState, 'pages'>): number {
  return Object.values(s.pages).reduce((n, p) => n + p.length, 0);
}

/** Creates the history store over a client. */
export function createHistoryStore(client: WorkstationClient): StoreApi<HistoryState> {
  let generation = 0;
  return createStore<HistoryState>()((set, get) => {
    async function loadPage(page: number, gen: number): Promise<void> {
      if (get().pages[page] || get().pending.includes(page)) return;
      set((s) => ({ pending: [...s.pending, page] }));
      const guestId = get().guestId;
      const period = get().period;
      const result = await client.call('history:list', {
        ...(guestId !== undefined ? { guestId } : {}),
        ...(period ? { from: period.from, to: period.to } : {}),
        offset: page * HISTORY_PAGE_SIZE,
        limit: HISTORY_PAGE_SIZE,
      });
      if (gen !== generation) return;
      set((s) => ({ pending: s.pending.filter((p) => p !== page) }));
      if (result.ok)
        set((s) => ({ total: result.value.total, loaded: true, pages: { ...s.pages, [page]: result.value.items } }));
      else set({ loaded: true, error: describeCode(result.error.code, result.error.message) });
    }
    async function loadTimeline(gen: number): Promise<void> {
      const { guestId, period } = get();
      if (guestId === undefined) return;
      const result = await client.call('guests:timeline', {
        guestId,
        ...(period ? { from: period.from, to: period.to } : {}),
      });
      if (gen !== generation) return;
      if (result.ok) set({ timeline: result.value, timelineError: undefined });
      else set({ timelineError: describeCode(result.error.code, result.error.message) });
    }
    async function reload(guestId: string | undefined, period: Period | undefined): Promise<void> {
      generation += 1;
      const gen = generation;
      set({ guestId, period, total: 0, loaded: false, pages: {}, pending: [], error: undefined });
      await Promise.all([loadPage(0, gen), loadTimeline(gen)]);
    }
    return {
      total: 0,
      loaded: false,
      pages: {},
      pending: [],
      async open(guestId) {
        if (get().guestId !== guestId) set({ timeline: undefined });
        await reload(guestId, undefined);
      },
      async setPeriod(period) {
        await reload(get().guestId, period);
      },
      async ensureRange(start, end) {
        const gen = generation;
        const last = Math.max(start, Math.min(end, get().total) - 1);
        const pages: Promise<void>[] = [];
        for (let p = Math.floor(Math.max(0, start) / HISTORY_PAGE_SIZE); p <= Math.floor(last / HISTORY_PAGE_SIZE); p++)
          pages.push(loadPage(p, gen));
        await Promise.all(pages);
      },
      rowAt(index) {
        return get().pages[Math.floor(index / HISTORY_PAGE_SIZE)]?.[index % HISTORY_PAGE_SIZE];
      },
      async openReport(id) {
        set({ report: undefined, reportError: undefined, reportExport: undefined });
        const result = await client.call('attestation:get', { id });
        if (result.ok) set({ report: result.value });
        else set({ reportError: describeCode(result.error.code, result.error.message) });
      },
      async exportReport(id, format) {
        const result = await client.call('attestation:export', { id, format });
        set({
          reportExport: result.ok
            ? { path: result.value.path }
            : { error: describeCode(result.error.code, result.error.message) },
        });
      },
    };
  });
}
