/** All stores of one window, created over one client, provided to views through React context. */
import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { WorkstationClient } from '../api/client.js';
import { createAttestStore, type AttestState } from './attest-store.js';
import { createEvidenceStore, type EvidenceState } from './evidence-store.js';
import { createGuestsStore, type GuestsState } from './guests-store.js';
import { createHistoryStore, type HistoryState } from './history-store.js';
import { createTrustStore, type TrustState } from './trust-store.js';
import { createUiStore, type UiState } from './ui-store.js';

/** The stores of one window. */
export interface Stores {
  client: WorkstationClient;
  ui: StoreApi<UiState>;
  guests: StoreApi<GuestsState>;
  trust: StoreApi<TrustState>;
  attest: StoreApi<AttestState>;
  history: StoreApi<HistoryState>;
  evidence: StoreApi<EvidenceState>;
}

/** Creates every store; a finished run refreshes the guests list and the open history. */
export function createStores(client: WorkstationClient, ui: Partial<Pick<UiState, 'view' | 'theme'>> = {}): Stores {
  const guests = createGuestsStore(client);
  const history = createHistoryStore(client);
  const attest = createAttestStore(client, {
    onFinished: () => {
      void guests.getState().load();
      const detail = guests.getState().detail;
      if (detail) void guests.getState().loadDetail(detail.id);
      if (history.getState().loaded) void history.getState().open(history.getState().guestId);
    },
  });
  return {
    client,
    ui: createUiStore(ui),
    guests,
    trust: createTrustStore(client),
    attest,
    history,
    evidence: createEvidenceStore(client),
  };
}

/** React context carrying the stores. */
export const StoresContext = createContext<Stores | null>(null);

/** The stores of this window. */
export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('StoresContext missing');
  return stores;
}

/** Selects from one store of this window. */
export function useSlice<K extends Exclude<keyof Stores, 'client'>, T>(
  key: K,
  selector: (state: ReturnType<Stores[K]['getState']>) => T,
): T {
  const store = useStores()[key] as StoreApi<ReturnType<Stores[K]['getState']>>;
  return useStore(store, selector);
}
