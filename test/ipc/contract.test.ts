/**
 * Issue 6 contract test: every channel has a handler, a validator, a preload method and a web-bridge
 * route, and the Electron IPC registration covers exactly the contract with a sender check.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHANNELS, EVENTS, isChannel, toMethodName, type Channel } from '../../shared/contract.js';
import { createDispatcher } from '../../main/ipc/dispatcher.js';
import { isTrustedSender, registerIpcHandlers } from '../../main/ipc/electron-ipc.js';
import { HANDLERS } from '../../main/ipc/handlers.js';
import { REQUEST_SCHEMAS } from '../../main/ipc/schemas.js';
import { buildBridgeApi, type PreloadIpc } from '../../main/preload/build-api.js';
import { createFakePort } from '../support/fake-port.js';
import { SAMPLE_REQUESTS } from './contract-samples.js';
import { openSession } from '../web/bridge-client.js';

const INFO = { name: 'SE Attestation Workstation', version: 'test', mode: 'electron' as const };

describe('contract coverage', () => {
  test('channel names are unique domain:verb strings', () => {
    assert.equal(new Set(CHANNELS).size, CHANNELS.length);
    for (const c of CHANNELS) assert.match(c, /^[a-z]+:[a-z]+$/);
    for (const e of EVENTS) assert.match(e, /^[a-z]+:[a-z]+$/);
  });

  test('every channel has exactly one handler and one validator', () => {
    assert.deepEqual(Object.keys(HANDLERS).sort(), [...CHANNELS].sort());
    assert.deepEqual(Object.keys(REQUEST_SCHEMAS).sort(), [...CHANNELS].sort());
  });

  test('every channel has a preload method that invokes that channel with the payload', async () => {
    const calls: [string, unknown][] = [];
    const ipc: PreloadIpc = {
      invoke: async (channel, payload) => {
        calls.push([channel, payload]);
        return { ok: true, value: channel };
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
    const api = buildBridgeApi(ipc) as unknown as Record<string, (req: unknown) => Promise<unknown>>;
    const methodNames = CHANNELS.map(toMethodName);
    assert.equal(new Set(methodNames).size, CHANNELS.length, 'method names are distinct');
    assert.deepEqual(Object.keys(api).sort(), [...methodNames, 'on'].sort(), 'nothing but channel methods and on()');
    for (const channel of CHANNELS) {
      const method = api[toMethodName(channel)];
      assert.equal(typeof method, 'function', `preload method for ${channel}`);
      assert.deepEqual(await method!(SAMPLE_REQUESTS[channel]), { ok: true, value: channel });
    }
    assert.deepEqual(
      calls.map((c) => c[0]),
      [...CHANNELS],
    );
    assert.ok(Object.isFrozen(api));
  });

  test('preload on() only subscribes to contract events and hides the IPC event object', () => {
    const listeners = new Map<string, (event: unknown, payload: unknown) => void>();
    const ipc: PreloadIpc = {
      invoke: async () => undefined,
      on: (channel, l) => void listeners.set(channel, l),
      removeListener: (channel) => void listeners.delete(channel),
    };
    const api = buildBridgeApi(ipc);
    const seen: unknown[] = [];
    const off = api.on('attest:progress', (p) => seen.push(p));
    listeners.get('attest:progress')!({ sender: 'secret-ipc-event' }, { runId: 'r' });
    assert.deepEqual(seen, [{ runId: 'r' }]);
    off();
    assert.equal(listeners.has('attest:progress'), false);
    assert.throws(() => (api.on as (e: string, l: () => void) => void)('guests:list', () => undefined), TypeError);
  });

  test('every channel has a web-bridge route that validates (wrong payload refused, valid payload dispatched)', async () => {
    const s = await openSession(createFakePort());
    try {
      for (const channel of CHANNELS) {
        const bad = await s.call(channel, { unexpected: 1 });
        assert.equal(bad.status, 200, channel);
        assert.equal(bad.body.ok, false, channel);
        assert.equal(
          bad.body.ok === false && bad.body.error.code,
          'ERR_APP_BAD_REQUEST',
          `${channel} refuses a wrong payload`,
        );
        const good = await s.call(channel, SAMPLE_REQUESTS[channel]);
        assert.equal(good.status, 200, channel);
        if (!good.body.ok) {
          assert.notEqual(
            good.body.error.code,
            'ERR_APP_BAD_REQUEST',
            `${channel} accepts its sample: ${JSON.stringify(good.body.error)}`,
          );
          assert.notEqual(good.body.error.code, 'ERR_APP_UNKNOWN_CHANNEL', channel);
        }
      }
      const unknown = await s.call('guests:explode' as Channel, {});
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.ok === false && unknown.body.error.code, 'ERR_APP_UNKNOWN_CHANNEL');
    } finally {
      await s.close();
    }
  });

  test('Electron IPC: one ipcMain.handle per channel, sender checked before the payload', async () => {
    const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: (channel: string, fn: (event: unknown, payload: unknown) => Promise<unknown>) =>
        void handlers.set(channel, fn),
      removeHandler: (channel: string) => void handlers.delete(channel),
    };
    const dispatcher = createDispatcher({ port: createFakePort(), info: INFO, emit: () => undefined });
    const mainFrame = { url: 'file:///app/dist-renderer/index.html' };
    const trusted = { webContentsId: 7, urlPrefix: 'file:///app/dist-renderer/' };
    const unregister = registerIpcHandlers(ipcMain as never, dispatcher, () => trusted);
    assert.deepEqual([...handlers.keys()].sort(), [...CHANNELS].sort());

    const good = { sender: { id: 7, mainFrame }, senderFrame: mainFrame };
    const otherWindow = { sender: { id: 8, mainFrame }, senderFrame: mainFrame };
    const subFrame = { sender: { id: 7, mainFrame }, senderFrame: { url: 'file:///app/dist-renderer/index.html' } };
    const remotePage = { sender: { id: 7, mainFrame: { url: 'https://evil.example/' } }, senderFrame: null };
    for (const channel of CHANNELS) {
      for (const bad of [otherWindow, subFrame, remotePage]) {
        const r = (await handlers.get(channel)!(bad, SAMPLE_REQUESTS[channel])) as {
          ok: boolean;
          error?: { code: string };
        };
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, 'ERR_APP_FORBIDDEN', `${channel} refuses a foreign sender`);
      }
      const wrong = (await handlers.get(channel)!(good, { nope: true })) as { ok: boolean; error?: { code: string } };
      assert.equal(wrong.error?.code, 'ERR_APP_BAD_REQUEST', `${channel} refuses a wrong payload`);
    }
    const listed = (await handlers.get('guests:list')!(good, {})) as { ok: boolean; value: unknown };
    assert.deepEqual(listed, { ok: true, value: [] });
    unregister();
    assert.equal(handlers.size, 0);
  });

  test('isTrustedSender checks window id, main frame and URL prefix', () => {
    const frame = { url: 'file:///app/dist-renderer/index.html' };
    const trusted = { webContentsId: 1, urlPrefix: 'file:///app/dist-renderer/' };
    assert.equal(isTrustedSender({ sender: { id: 1, mainFrame: frame }, senderFrame: frame }, trusted), true);
    assert.equal(
      isTrustedSender({ sender: { id: 1, mainFrame: frame }, senderFrame: { url: 'file:///etc/passwd' } }, trusted),
      false,
    );
    assert.equal(
      isTrustedSender({ sender: { id: 1 }, senderFrame: { url: 'file:///app/dist-renderer-evil/x.html' } }, trusted),
      false,
    );
    assert.equal(isTrustedSender({ sender: { id: 2, mainFrame: frame }, senderFrame: frame }, trusted), false);
  });

  test('isChannel recognises exactly the contract', () => {
    for (const c of CHANNELS) assert.equal(isChannel(c), true);
    for (const x of ['guests', 'guests:list ', '__proto__', 'constructor', 1, null]) assert.equal(isChannel(x), false);
  });
});
