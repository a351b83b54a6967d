/**
 * Issue 14 end to end: the Release action in Debian's Chromium against web mode over the real services — a
 * store with two pinned simulated guests (one genuine, one whose answer is tampered), each with a configured
 * release. The genuine guest is given its secret (live steps, then the released outcome); the tampered guest is
 * refused at "Attest" and its Ultravisor never sees an add-secret request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createStorePort } from '../../main/app/port/store-port.js';
import { systemContext } from '../../main/engine/index.js';
import type { SimulatedGuest } from '../../main/sim/simulated-guest.js';
import { startWebBridge, type WebBridge } from '../../main/web/server.js';
import { buildRenderer } from '../../scripts/build-renderer.mjs';
import { releaseWorkstation, type ReleaseWorkstation } from '../support/release-fixture.js';
import { browserSkipReason, checkScreen, CHROMIUM_PATH, watchPageErrors } from './workstation-flow.js';

const skip = browserSkipReason();
if (skip) console.log(`# release e2e skipped: ${skip}`);

let ws: ReleaseWorkstation;
let bridge: WebBridge;
let browser: Browser;
let page: Page;
let staticDir: string;
let genuine: SimulatedGuest;
let tampered: SimulatedGuest;
let errors: string[];

before(async () => {
  if (skip) return;
  ws = await releaseWorkstation();
  await writeFile(ws.path('token'), 'e2e token value', { mode: 0o600 });
  const release = {
    name: 'api-token',
    kind: 'uv' as const,
    uvKind: 'plain' as const,
    source: { kind: 'file' as const, path: ws.path('token') },
    lock: true,
  };
  genuine = await ws.addGuest('payments', { release });
  tampered = await ws.addGuest('ledger', { fault: 'tampered-measurement', release });
  staticDir = await mkdtemp(join(tmpdir(), 'sea-renderer-release-'));
  await buildRenderer({ outdir: staticDir, preload: false, dev: false });
  const port = createStorePort({ store: ws.store, ctx: systemContext(), keyDir: ws.path('keys') });
  bridge = await startWebBridge({ port, staticDir, info: { name: 'SE Attestation Workstation', version: 'e2e' } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  errors = watchPageErrors(page);
  await page.goto(bridge.url);
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await bridge?.close();
  await ws?.close();
  if (staticDir) await rm(staticDir, { recursive: true, force: true });
});

async function openRelease(name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Guests', exact: true }).click();
  await page.locator(`tr[data-guest="${name}"]`).getByText(name, { exact: true }).click();
  await page.getByRole('button', { name: 'Release…' }).click();
  return page.getByRole('dialog', { name: `Release a secret to ${name}` });
}

test(
  'Release action: the verified guest is given its secret, the tampered one nothing',
  { skip: skip ?? false, timeout: 120_000 },
  async () => {
    const dialog = await openRelease('payments');
    await dialog.getByRole('button', { name: 'Release api-token' }).click();
    await dialog.getByText(/^Released api-token \(attestations \d+ and \d+\)/).waitFor({ timeout: 60_000 });
    assert.equal(genuine.secretStore.locked, true);
    assert.equal(genuine.addSecretRequests.length, 1);
    const checked: string[] = [];
    await checkScreen(page, '15-release-dialog', checked, 'viewport');
    await dialog.getByRole('button', { name: 'Close' }).click();

    const refused = await openRelease('ledger');
    await refused.getByRole('button', { name: 'Release api-token' }).click();
    await refused
      .getByText('Not released — failed at “Attest”: The guest did not verify, so nothing was sent to it.')
      .waitFor({ timeout: 60_000 });
    assert.deepEqual(tampered.addSecretRequests, []);
    await checkScreen(page, '16-release-refused', checked, 'viewport');
    assert.deepEqual(errors, []);
  },
);
