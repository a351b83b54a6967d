/**
 * The renderer's web client (normally run in the browser; here with stand-ins for fetch and EventSource):
 * calls POST JSON to /api/call/<channel>, streaming calls wait for the event stream, events reach their
 * listeners parsed, and an unreachable bridge becomes a coded error value.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createWebClient } from '../../renderer/api/web-client.js';
import { createElectronClient } from '../../renderer/api/electron-client.js';
import type { BridgeApi } from '../../shared/contract.js';

type Listener = (ev: { data: string }) => void;

class FakeEventSource {
  static last: FakeEventSource | undefined;
  readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, l: Listener): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
  }
  fire(name: string, data = ''): void {
    for (const l of this.listeners.get(name) ?? []) l({ data });
  }
}

const g = globalThis as unknown as { EventSource?: unknown; fetch: typeof fetch };
const realFetch = g.fetch;
let requests: { url: string; init: RequestInit }[] = [];

beforeEach(() => {
  requests = [];
  FakeEventSource.last = undefined;
  g.EventSource = FakeEventSource;
  g.fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    return new Response(JSON.stringify({ ok: true, value: [] }), { headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
});

afterEach(() => {
  g.fetch = realFetch;
  delete g.EventSource;
});

test('plain calls POST JSON to /api/call/<channel> right away', async () => {
  const client = createWebClient();
  assert.deepEqual(await client.call('guests:list', { search: 'x' }), { ok: true, value: [] });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.url, '/api/call/guests:list');
  assert.equal(requests[0]!.init.method, 'POST');
  assert.equal(requests[0]!.init.credentials, 'same-origin');
  assert.equal(requests[0]!.init.body, JSON.stringify({ search: 'x' }));
  assert.equal(FakeEventSource.last, undefined, 'no stream needed for a plain call');
});

test('streaming calls wait until the event stream is open', async () => {
  const client = createWebClient();
  const pending = client.call('attest:run', { runId: 'run-12345678', guestId: 'g1' });
  await new Promise<void>((r) => setImmediate(r));
  assert.equal(requests.length, 0, 'not sent before the stream is open');
  assert.equal(FakeEventSource.last?.url, '/api/events');
  FakeEventSource.last!.fire('open');
  await pending;
  assert.equal(requests.length, 1);
});

test('events reach their listeners parsed; malformed frames are dropped; unsubscribe works', () => {
  const client = createWebClient();
  const seen: unknown[] = [];
  const off = client.on('hostkey:prompt', (p) => seen.push(p));
  const es = FakeEventSource.last!;
  es.fire('hostkey:prompt', JSON.stringify({ promptId: 'p1' }));
  es.fire('hostkey:prompt', '{broken');
  es.fire('attest:progress', JSON.stringify({ runId: 'r' }));
  off();
  es.fire('hostkey:prompt', JSON.stringify({ promptId: 'p2' }));
  assert.deepEqual(seen, [{ promptId: 'p1' }]);
});

test('issue 15: an unreachable bridge is a lost connection (ERR_APP_DISCONNECTED), not a throw', async () => {
  g.fetch = (async () => {
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  const r = await createWebClient().call('trust:list', {});
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'ERR_APP_DISCONNECTED');
});

test('the Electron client calls the preload method of the channel', async () => {
  const calls: unknown[] = [];
  const bridge = {
    guestsList: async (req: unknown) => {
      calls.push(req);
      return { ok: true, value: ['x'] };
    },
    on: () => () => undefined,
  } as unknown as BridgeApi;
  const client = createElectronClient(bridge);
  assert.deepEqual(await client.call('guests:list', {}), { ok: true, value: ['x'] });
  assert.deepEqual(calls, [{}]);
  const missing = await client.call('trust:list', {});
  assert.equal(!missing.ok && missing.error.code, 'ERR_APP_UNKNOWN_CHANNEL');
});
