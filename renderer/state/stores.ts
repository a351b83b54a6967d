/** All stores of one window, created over one client, provided to views through React context. */
import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { WorkstationClient } from '../api/client.js';
import { createAttestStore, type AttestState } from './attest-store.js';
import {
  createConnectionStore,
  watchedClient,
  type ConnectionState,
  type ConnectionTimers,
} from './connection-store.js';
import { createEvidenceStore, type EvidenceState } from './evidence-store.js';
import { createGuestsStore, type GuestsState } from './guests-store.js';
import { createHistoryStore, type HistoryState } from './history-store.js';
import { createTrustStore, type TrustState } from './trust-store.js';
import { createUiStore, type UiHooks, type UiState } from './ui-store.js';

/** The stores of one window. */
export interface Stores {
  client: WorkstationClient;
  connection: StoreApi<ConnectionState>;
  ui: StoreApi<UiState>;
  guests: StoreApi<GuestsState>;
  trust: StoreApi<TrustState>;
  attest: StoreApi<AttestState>;
  history: StoreApi<HistoryState>;
  evidence: StoreApi<EvidenceState>;
}

/** Options of `createStores` beyond the initial UI state. */
export interface StoresOptions {
  ui?: UiHooks;
  connectionTimers?: ConnectionTimers;
}

/**
 * Creates every store; a finished run refreshes the guests list and the open history; a connection that comes
 * back reloads what the screens show.
 */
export function createStores(
  rawClient: WorkstationClient,
  ui: Partial<Pick<UiState, 'view' | 'theme'>> = {},
  options: StoresOptions = {},
): Stores {
  let reconnect: () => void = () => undefined;
  const connection = createConnectionStore(rawClient, {
    onReconnect: () => reconnect(),
    ...(options.connectionTimers ? { timers: options.connectionTimers } : {}),
  });
  const client = watchedClient(rawClient, connection);
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
  const trust = createTrustStore(client);
  reconnect = () => {
    void guests.getState().load();
    void trust.getState().load();
    const detail = guests.getState().detail;
    if (detail) void guests.getState().loadDetail(detail.id);
    if (history.getState().loaded) void history.getState().setPeriod(history.getState().period);
  };
  return {
    client,
    connection,
    ui: createUiStore(ui, options.ui),
    guests,
    trust,
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
