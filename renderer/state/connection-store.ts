/**
 * The connection to the workstation: lost when a call cannot reach it (server stopped, Electron's main process
 * gone), when it does not answer a heartbeat in time (main process busy), when the event stream drops and a
 * check fails, or when the browser's session is no longer accepted (server restarted). While lost, the window
 * shows a banner with Retry and disables every action; it checks again by itself every few seconds.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Channel, RequestOf, ResponseOf, Result } from '../../shared/contract.js';
import type { WorkstationClient } from '../api/client.js';

/** How long a check may take before the workstation counts as not answering. */
export const CHECK_TIMEOUT_MS = 8000;
/** Checks while connected (heartbeat) and while lost (automatic retry). */
export const HEARTBEAT_MS = 20_000;
export const RETRY_MS = 5000;

/** Why the connection is lost. */
export type LostCause = 'unreachable' | 'not-answering' | 'session';

/** Connection state. */
export interface ConnectionState {
  status: 'online' | 'lost';
  cause?: LostCause;
  checking: boolean;
  lostAt?: string;
  /** Asks the workstation whether it is there; resolves true when it answered. */
  retry(): Promise<boolean>;
  /** Marks the connection lost. */
  markLost(cause: LostCause): void;
  /** Starts the heartbeat and the automatic retry (the window calls it once). */
  start(): void;
}

/** Timers of the store (tests pass none: no heartbeat). */
export interface ConnectionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Creates the connection store over the raw client; `onReconnect` runs when a lost connection is back. */
export function createConnectionStore(
  client: WorkstationClient,
  hooks: { onReconnect?: () => void; timers?: ConnectionTimers } = {},
): StoreApi<ConnectionState> {
  const timers: ConnectionTimers = hooks.timers ?? {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h as number),
  };
  let timer: unknown;
  let started = false;
  const store = createStore<ConnectionState>()((set, get) => {
    function schedule(): void {
      if (!started) return;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = timers.setTimeout(
        () => {
          timer = undefined;
          void get()
            .retry()
            .finally(() => schedule());
        },
        get().status === 'lost' ? RETRY_MS : HEARTBEAT_MS,
      );
    }
    return {
      status: 'online',
      checking: false,
      async retry() {
        if (get().checking) return get().status === 'online';
        set({ checking: true });
        let handle: unknown;
        const timeout = new Promise<'timeout'>((resolve) => {
          handle = timers.setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS);
        });
        const answer = await Promise.race([client.call('app:info', {}), timeout]);
        timers.clearTimeout(handle);
        const wasLost = get().status === 'lost';
        if (answer !== 'timeout' && answer.ok) {
          set({ status: 'online', cause: undefined, lostAt: undefined, checking: false });
          if (wasLost) hooks.onReconnect?.();
          return true;
        }
        set({ checking: false });
        get().markLost(
          answer === 'timeout'
            ? 'not-answering'
            : answer.error.code === 'ERR_APP_FORBIDDEN'
              ? 'session'
              : 'unreachable',
        );
        return false;
      },
      markLost(cause) {
        const s = get();
        if (s.status === 'lost' && s.cause === cause) return;
        set({ status: 'lost', cause, lostAt: s.lostAt ?? new Date().toISOString() });
        schedule();
      },
      start() {
        if (started) return;
        started = true;
        client.onTransport?.((state) => {
          // The event stream dropped or came back: find out whether the workstation is there.
          if (state === 'down' || get().status === 'lost') void get().retry();
        });
        schedule();
      },
    };
  });
  return store;
}

/** The client the stores use: every result passes through the connection store (a lost connection shows). */
export function watchedClient(client: WorkstationClient, connection: StoreApi<ConnectionState>): WorkstationClient {
  return {
    mode: client.mode,
    on: (event, listener) => client.on(event, listener),
    ...(client.onTransport ? { onTransport: (l: (state: 'up' | 'down') => void) => client.onTransport!(l) } : {}),
    async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
      const result = await client.call(channel, request);
      if (!result.ok) {
        if (result.error.code === 'ERR_APP_DISCONNECTED') connection.getState().markLost('unreachable');
        else if (result.error.code === 'ERR_APP_FORBIDDEN' && client.mode === 'web')
          connection.getState().markLost('session');
      }
      return result;
    },
  };
}
