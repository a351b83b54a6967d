// Issue 14: the UI's release port over the real store and a simulated guest, through the dispatcher (as the
// bridge calls it): release:configure, release:run with release:progress events, release:list; an unpinned
// guest is refused before anything is sent; a stdin source cannot be configured from the desktop.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { EventMap, EventName } from '../../../shared/contract.js';
import { createReleasePort } from '../../../main/app/port/release-port.js';
import { createStorePort } from '../../../main/app/port/store-port.js';
import { systemContext } from '../../../main/engine/index.js';
import { createDispatcher } from '../../../main/ipc/dispatcher.js';
import { releaseWorkstation, type ReleaseWorkstation } from '../../support/release-fixture.js';

let ws: ReleaseWorkstation;
const events: { event: string; payload: unknown }[] = [];
let dispatch: (channel: string, payload: unknown) => Promise<unknown>;

before(async () => {
  ws = await releaseWorkstation();
  writeFileSync(ws.path('token'), 'ui released token', { mode: 0o600 });
  const port = createStorePort({ store: ws.store, ctx: systemContext(), keyDir: ws.path('keys') });
  const dispatcher = createDispatcher({
    port,
    info: { name: 'test', version: 'test', mode: 'web' },
    emit: <E extends EventName>(event: E, payload: EventMap[E]) => void events.push({ event, payload }),
  });
  dispatch = (channel, payload) => dispatcher.dispatch(channel as never, payload as never) as Promise<unknown>;
});
after(() => ws.close());

describe('release port', () => {
  test('configure, run with progress events, list the run', async () => {
    const g = await ws.addGuest('payments');
    const guestId = String(ws.store.guests.get('payments').id);
    const configured = (await dispatch('release:configure', {
      guestId,
      release: {
        name: 'token',
        kind: 'uv',
        uvKind: 'plain',
        source: { kind: 'file', path: ws.path('token') },
        lock: true,
      },
    })) as { ok: boolean };
    assert.equal(configured.ok, true, JSON.stringify(configured));
    const ran = (await dispatch('release:run', { runId: 'run-release-0001', guestId, release: 'token' })) as {
      ok: boolean;
      value: { status: string; checkAttestationId: number | null };
    };
    assert.equal(ran.ok, true, JSON.stringify(ran));
    assert.equal(ran.value.status, 'released');
    assert.ok(ran.value.checkAttestationId !== null);
    assert.equal(g.secretStore.locked, true);
    const steps = events
      .filter((e) => e.event === 'release:progress')
      .map((e) => e.payload as { step: string; status: string; runId: string })
      .filter((e) => e.status === 'done' && e.runId === 'run-release-0001')
      .map((e) => e.step);
    assert.deepEqual(steps, [
      'attest',
      'store-check',
      'list',
      'read-value',
      'create',
      'add',
      'lock',
      're-attest',
      'check',
    ]);
    assert.equal(JSON.stringify(events).includes('ui released token'), false, 'no value in any event');
    const listed = (await dispatch('release:list', { guestId })) as {
      ok: boolean;
      value: { runs: unknown[]; releases: unknown[] };
    };
    assert.deepEqual([listed.value.releases.length, listed.value.runs.length], [1, 1]);
  });
  test('an unpinned guest is refused before anything is sent; stdin cannot be configured here', async () => {
    const g = await ws.addGuest('unpinned');
    ws.store.guests.edit('unpinned', { hostKeyFingerprint: null });
    const id = ws.store.guests.get('unpinned').id;
    ws.store.releases.configure(id, {
      name: 't',
      kind: 'uv',
      uvKind: 'plain',
      source: { kind: 'file', path: ws.path('token') },
    });
    const port = createReleasePort({ store: ws.store, ctx: systemContext() });
    await assert.rejects(
      port.runRelease(String(id), 't', {
        runId: 'r',
        signal: new AbortController().signal,
        reportRelease: () => undefined,
      }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TRANSPORT_HOST_KEY_UNKNOWN',
    );
    assert.equal(g.performCount, 0);
    await assert.rejects(
      port.configureRelease(String(id), { name: 's', kind: 'uv', uvKind: 'plain', source: { kind: 'stdin' } }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_RELEASE_INVALID',
    );
    const missing = (await dispatch('release:list', { guestId: '9999' })) as { ok: boolean; error: { code: string } };
    assert.equal(missing.error.code, 'ERR_APP_NOT_FOUND');
  });
});
