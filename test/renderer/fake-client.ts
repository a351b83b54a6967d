/**
 * A WorkstationClient for renderer tests: the real dispatcher (validation included) over the in-memory port,
 * with events delivered synchronously to subscribers.
 */
import type { EventMap, EventName } from '../../shared/contract.js';
import { createDispatcher } from '../../main/ipc/dispatcher.js';
import type { WorkstationPort } from '../../main/ipc/port.js';
import type { WorkstationClient } from '../../renderer/api/client.js';
import { createFakePort, type FakePortParams } from '../support/fake-port.js';

/** The client plus a log of calls. */
export interface TestClient extends WorkstationClient {
  calls: { channel: string; request: unknown }[];
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
}

/** Creates a test client over a fake port (or the given port). */
export function createTestClient(
  params: FakePortParams = {},
  port: WorkstationPort = createFakePort(params),
): TestClient {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = <E extends EventName>(event: E, payload: EventMap[E]): void => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  const dispatcher = createDispatcher({ port, info: { name: 'test', version: 'test', mode: 'web' }, emit });
  const calls: { channel: string; request: unknown }[] = [];
  return {
    mode: 'test',
    calls,
    emit,
    call(channel, request) {
      calls.push({ channel, request });
      // JSON round trip, as over the bridge.
      return dispatcher.dispatch(channel, JSON.parse(JSON.stringify(request))) as never;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
}
