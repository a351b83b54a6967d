/**
 * The client over the loopback web bridge: `POST /api/call/<channel>` (session cookie, same origin) and one
 * EventSource on `/api/events` shared by all subscribers.
 */
import { isEventName, type Channel, type EventName, type Result } from '../../shared/contract.js';
import { disconnected, type WorkstationClient } from './client.js';

/** Channels whose progress arrives as events: they wait for the event stream before starting. */
const STREAMING: readonly Channel[] = ['attest:run', 'fleet:attest', 'trust:import', 'evidence:export'];
/** Longest wait for the event stream before a streaming call starts anyway. */
const STREAM_WAIT_MS = 3000;

/** Creates the web client (events start streaming on first subscription). */
export function createWebClient(base = ''): WorkstationClient {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const transport = new Set<(state: 'up' | 'down') => void>();
  let source: EventSource | undefined;
  let markOpen: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));

  function ensureSource(): void {
    if (source) return;
    source = new EventSource(`${base}/api/events`);
    source.addEventListener('open', () => {
      markOpen();
      for (const l of transport) l('up');
    });
    source.addEventListener('error', () => {
      for (const l of transport) l('down');
    });
    for (const name of ['attest:progress', 'fleet:progress', 'task:progress', 'hostkey:prompt'] as const) {
      source.addEventListener(name, (ev) => {
        if (!isEventName(name)) return;
        let payload: unknown;
        try {
          payload = JSON.parse((ev as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
  }

  return {
    mode: 'web',
    async call(channel: Channel, request: unknown) {
      if (STREAMING.includes(channel)) {
        // A run's first events (e.g. the host-key prompt) must not be emitted before the stream is listening.
        ensureSource();
        await Promise.race([opened, new Promise<void>((resolve) => setTimeout(resolve, STREAM_WAIT_MS))]);
      }
      let response: Response;
      try {
        response = await fetch(`${base}/api/call/${channel}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(request),
        });
      } catch (error) {
        return disconnected(String(error));
      }
      try {
        return (await response.json()) as Result<unknown>;
      } catch {
        return disconnected(`HTTP ${response.status} without a result`);
      }
    },
    onTransport(listener: (state: 'up' | 'down') => void) {
      ensureSource();
      transport.add(listener);
      return () => transport.delete(listener);
    },
    on(event, listener) {
      ensureSource();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  } as WorkstationClient;
}
