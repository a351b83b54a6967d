/**
 * Issue 14: the Release dialog's state over the real dispatcher and the in-memory port — configure a release,
 * run it with its steps, a guest that did not verify gets nothing and the dialog says why — and the dialog itself
 * rendered to HTML (releases with their Release buttons, the outcome in plain words, recent runs).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { createElement, type FunctionComponent } from 'react';
import { renderToString } from 'react-dom/server';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createReleaseStore, describeReleaseCode, type ReleaseState } from '../../renderer/state/release-store.js';
import { createStores, StoresContext } from '../../renderer/state/stores.js';
import { bytesToBase64 } from '../../renderer/state/trust-store.js';
import { createTestClient } from './fake-client.js';

type DialogProps = { guestId: string; guestName: string; onClose: () => void; store?: StoreApi<ReleaseState> };
const { ReleaseDialog } = (await import(new URL('../../renderer/views/release-dialog.tsx', import.meta.url).href)) as {
  ReleaseDialog: FunctionComponent<DialogProps>;
};

async function guestThatAttested(stores: ReturnType<typeof createStores>, name: string, host: string) {
  const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
  await stores.trust.getState().importFiles([{ name: 'hostA.crt', contentBase64: bytesToBase64(new Uint8Array(hkd)) }]);
  const guest = await stores.guests.getState().add({ name, sshTarget: `root@${host}`, policy: {} });
  const off = stores.attest.subscribe((s) => {
    if (s.prompt) void s.decide(true);
  });
  const run = await stores.attest.getState().start([guest.id]);
  off();
  return { ...guest, run };
}

function render(stores: ReturnType<typeof createStores>, props: DialogProps): string {
  const frozen = createStore<ReleaseState>()(() => props.store!.getState());
  return renderToString(
    createElement(StoresContext.Provider, { value: stores }, createElement(ReleaseDialog, { ...props, store: frozen })),
  ).replace(/<!-- -->/g, '');
}

describe('release dialog', () => {
  test('configure, run with live steps, released; the dialog lists the release and the run', async () => {
    const client = createTestClient({ tamperedHosts: ['10.0.0.66'] });
    const stores = createStores(client);
    const guest = await guestThatAttested(stores, 'payments', '10.0.0.1');
    assert.equal(guest.run?.guests[guest.id]?.outcome?.outcome, 'verified', JSON.stringify(guest.run));
    const release = createReleaseStore(client);
    await release.getState().load(guest.id);
    assert.deepEqual(release.getState().releases, []);
    const ok = await release.getState().configure({
      name: 'api-token',
      kind: 'uv',
      uvKind: 'plain',
      source: { kind: 'file', path: '/srv/secrets/api-token' },
      lock: true,
    });
    assert.equal(ok, true);
    assert.equal(release.getState().releases[0]?.name, 'api-token');
    const seen: string[] = [];
    const off = release.subscribe((s) => s.running?.steps.forEach((x) => seen.push(`${x.step}:${x.status}`)));
    await release.getState().run('api-token', false);
    off();
    assert.ok(seen.includes('attest:done'), seen.join(','));
    assert.equal(release.getState().result?.status, 'released');
    assert.equal(release.getState().runs.length, 1);
    const html = render(stores, { guestId: guest.id, guestName: 'payments', onClose: () => undefined, store: release });
    assert.match(html, /role="dialog"/);
    assert.match(html, /Release a secret to payments/);
    assert.match(html, /<button type="button" class="primary">Release api-token<\/button>/);
    assert.match(html, /\/srv\/secrets\/api-token/);
    assert.match(html, /Released api-token/);
    assert.match(html, /Recent releases/);
    assert.match(html, /Only if it verifies, policy included/);
  });
  test('a guest that did not verify: not released, the step and the reason in plain words', async () => {
    const client = createTestClient({ tamperedHosts: ['10.0.0.66'] });
    const stores = createStores(client);
    const guest = await guestThatAttested(stores, 'ledger', '10.0.0.66');
    const release = createReleaseStore(client);
    await release.getState().load(guest.id);
    await release.getState().configure({
      name: 'k',
      kind: 'uv',
      uvKind: 'aes',
      source: { kind: 'keychain', service: 'ws', account: 'ledger' },
    });
    await release.getState().run('k', false);
    assert.equal(release.getState().result?.status, 'failed');
    assert.equal(release.getState().result?.errorCode, 'ERR_RELEASE_NOT_VERIFIED');
    const html = render(stores, { guestId: guest.id, guestName: 'ledger', onClose: () => undefined, store: release });
    assert.match(html, /Not released — failed at “Attest”: The guest did not verify, so nothing was sent to it\./);
    assert.match(html, /keychain ws\/ledger/);
  });
  test('the bridge refuses a stdin source and unknown fields (values never cross)', async () => {
    const client = createTestClient();
    const stores = createStores(client);
    const guest = await stores.guests.getState().add({ name: 'g', sshTarget: 'root@10.0.0.2', policy: {} });
    const stdin = await client.call('release:configure', {
      guestId: guest.id,
      release: { name: 'x', kind: 'uv', uvKind: 'plain', source: { kind: 'stdin' } },
    });
    assert.equal(stdin.ok, false);
    const smuggled = await client.call('release:configure', {
      guestId: guest.id,
      release: { name: 'x', kind: 'uv', source: { kind: 'file', path: '/x' }, value: 'hunter2' } as never,
    });
    assert.equal(smuggled.ok, false);
    assert.equal(!smuggled.ok && smuggled.error.code, 'ERR_APP_BAD_REQUEST');
    assert.equal(describeReleaseCode('ERR_RELEASE_CHANNEL_MISMATCH').includes('someone may be in between'), true);
  });
});
