/**
 * The end-to-end flow of the workstation in a real Chromium against web mode: add a guest, import trust
 * material, attest (verified), attest a tampered guest (failure and its reason shown), open the history and
 * the report, check the guests list shows both states, and the virtualised history. Screenshots of each
 * screen go to test-output/screenshots/. The backend is one parameter: a ScenarioFactory.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebBridge, type WebBridge } from '../../main/web/server.js';
import { buildRenderer } from '../../scripts/build-renderer.mjs';
import type { E2eScenario, ScenarioFactory, ScenarioGuest } from './scenario.js';

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Where screenshots go. */
export const SCREENSHOT_DIR = new URL('../../test-output/screenshots/', import.meta.url).pathname;

/** Why the browser test cannot run here, or undefined when it can. */
export function browserSkipReason(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
}

/** Figures measured during the run, printed by the test. */
export interface FlowMetrics {
  firstScreenMs: number;
  historyRowsRendered?: number;
  historyRowsServed?: number;
  historyTotal?: number;
}

/** Where the flow runs: a page (Chromium tab or Electron window) and how to open the app in it. */
export interface FlowTarget {
  scenario: E2eScenario;
  page: Page;
  /** Opens the app (web: the token URL; Electron: the window is already showing it). */
  open(): Promise<void>;
  /** Screenshot file name prefix ('' for web mode, e.g. 'electron-' for the desktop shell). */
  screenshotPrefix?: string;
  cspViolations: string[];
}

/** A running browser + bridge + scenario. */
export interface FlowSession extends FlowTarget {
  bridge: WebBridge;
  browser: Browser;
  close(): Promise<void>;
}

/** Collects CSP violations and page errors of a page. */
export function watchPageErrors(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) found.push(msg.text());
  });
  page.on('pageerror', (err) => found.push(`pageerror: ${err.message}`));
  return found;
}

/** Builds the renderer into a temp folder, starts the bridge over the scenario's port, opens Chromium. */
export async function openFlowSession(factory: ScenarioFactory, prefix: string): Promise<FlowSession> {
  const staticDir = await mkdtemp(join(tmpdir(), `sea-renderer-${prefix}-`));
  await buildRenderer({ outdir: staticDir, preload: false, dev: false });
  const scenario = await factory();
  const bridge = await startWebBridge({
    port: scenario.port,
    staticDir,
    info: { name: 'SE Attestation Workstation', version: 'e2e' },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const page = await context.newPage();
  const cspViolations = watchPageErrors(page);
  return {
    scenario,
    bridge,
    browser,
    page,
    cspViolations,
    open: async () => {
      await page.goto(bridge.url);
    },
    async close() {
      await browser.close();
      await bridge.close();
      await scenario.close();
      await rm(staticDir, { recursive: true, force: true });
    },
  };
}

let screenshotPrefix = '';

/** Runs in the page: whether the element has the focus. */
function isFocused(el: unknown): boolean {
  return el === (el as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement;
}

async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${screenshotPrefix}${name}.png`), fullPage: true });
}

async function nav(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: title, exact: true }).click();
}

async function addGuest(page: Page, guest: ScenarioGuest): Promise<void> {
  await nav(page, 'Guests');
  await page.getByRole('button', { name: 'Add guest' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add guest' });
  await dialog.getByLabel('Name').fill(guest.name);
  await dialog.getByLabel('SSH target').fill(guest.sshTarget);
  if (guest.identityRef) await dialog.getByLabel(/SSH identity/).fill(guest.identityRef);
  if (guest.seHeaderPath) await dialog.getByLabel('SE header or image').setInputFiles(guest.seHeaderPath);
  await dialog.getByRole('button', { name: 'Save guest' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator(`tr[data-guest="${guest.name}"]`).waitFor();
}

async function attest(page: Page, guest: ScenarioGuest, screenshotPrefix: string): Promise<void> {
  await nav(page, 'Guests');
  await page.getByRole('button', { name: `Attest ${guest.name}` }).click();
  const prompt = page.getByRole('dialog', { name: 'Trust this host key?' });
  await prompt.waitFor();
  if (guest.hostKeyFingerprint) {
    const shown = (await prompt.innerText()).replace(/\s+/g, '');
    assert.ok(
      shown.includes(guest.hostKeyFingerprint),
      `the prompt shows the guest's fingerprint ${guest.hostKeyFingerprint}`,
    );
  }
  await shot(page, `${screenshotPrefix}-hostkey-prompt`);
  await prompt.getByRole('button', { name: 'Trust and pin' }).click();
  await page.locator('[data-run-status="finished"]').waitFor();
}

/** Opens the app over a store with `count` attestations; returns ms until the Guests table is shown. */
export async function measureFirstScreen(session: FlowTarget, count: number): Promise<number | undefined> {
  if (!session.scenario.seedStoredAttestations) return undefined;
  await session.scenario.seedStoredAttestations(count);
  screenshotPrefix = session.screenshotPrefix ?? '';
  const t0 = Date.now();
  await session.open();
  await session.page.getByRole('table', { name: 'Guests' }).locator('tbody tr[data-guest]').first().waitFor();
  const ms = Date.now() - t0;
  await shot(session.page, '00-guests-100k');
  return ms;
}

/** Runs the whole flow; returns measured figures. Assertions fail the calling test. */
export async function runWorkstationFlow(session: FlowTarget): Promise<FlowMetrics> {
  const { page, scenario } = session;
  screenshotPrefix = session.screenshotPrefix ?? '';
  const t0 = Date.now();
  await session.open();
  await page.getByRole('heading', { name: 'Guests', level: 1 }).waitFor();
  await page
    .getByRole('region', { name: 'No guests yet' })
    .or(page.getByRole('table', { name: 'Guests' }))
    .first()
    .waitFor();
  const firstScreenMs = Date.now() - t0;
  assert.ok(!page.url().includes('token='), 'the token is removed from the address bar after the exchange');
  await shot(page, '01-guests-empty');

  // Keyboard: Enter opens the Add guest dialog with focus in its first field; Escape closes it and gives
  // focus back to the button.
  const addButton = page.getByRole('button', { name: 'Add guest' });
  await addButton.focus();
  await page.keyboard.press('Enter');
  const addDialog = page.getByRole('dialog', { name: 'Add guest' });
  await addDialog.waitFor();
  assert.equal(await addDialog.getByLabel('Name').evaluate(isFocused), true);
  await page.keyboard.press('Escape');
  await addDialog.waitFor({ state: 'detached' });
  assert.equal(await addButton.evaluate(isFocused), true);

  // Trust: import HKD, CA and CRL through the file picker.
  await nav(page, 'Trust');
  await page.getByRole('region', { name: 'No trust material yet' }).waitFor();
  await page.getByLabel('Import trust files').setInputFiles(scenario.trustFiles);
  await page.getByRole('table', { name: 'Host-key documents' }).waitFor();
  await page.getByRole('table', { name: 'CRLs' }).waitFor();
  const crlRow = page.getByRole('table', { name: 'CRLs' }).locator('tbody tr').first();
  assert.match((await crlRow.innerText()).replace(/\s+/g, ' '), /\b1[12] d\b/, 'CRL shows the days until nextUpdate');
  assert.equal(
    await page.getByRole('status', { name: 'Expiring soon' }).count(),
    1,
    'expiry warning shown for < 30 days',
  );
  await shot(page, '02-trust');

  // Drag-and-drop import: dropping a file already imported re-imports it without duplicating it.
  const countBefore = await page.locator('tbody tr[data-kind]').count();
  const firstFile = scenario.trustFiles[0]!;
  const dataTransfer = await page.evaluateHandle(
    ({ name, base64 }) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: unknown[], name: string) => unknown;
        Uint8Array: typeof Uint8Array;
        atob(s: string): string;
      };
      const dt = new g.DataTransfer();
      const raw = g.atob(base64);
      dt.items.add(new g.File([g.Uint8Array.from(raw, (c) => c.charCodeAt(0))], name));
      return dt;
    },
    { name: firstFile.split('/').pop()!, base64: (await readFile(firstFile)).toString('base64') },
  );
  await page.getByLabel('Drop zone for trust material').dispatchEvent('drop', { dataTransfer });
  await page.getByText('Imported 1, rejected 0').waitFor();
  assert.equal(await page.locator('tbody tr[data-kind]').count(), countBefore, 'same file, same item');

  // Guests: add the genuine and the tampered guest.
  await addGuest(page, scenario.goodGuest);
  await addGuest(page, scenario.tamperedGuest);
  await shot(page, '03-guests-added');
  assert.equal(await page.locator(`tr[data-guest="${scenario.goodGuest.name}"]`).getAttribute('data-status'), 'never');

  // Attest the genuine guest: verified.
  await attest(page, scenario.goodGuest, '04-attest-genuine');
  const goodCard = page.getByRole('region', { name: `Run of ${scenario.goodGuest.name}` });
  await goodCard.locator('[data-outcome="verified"]').waitFor();
  assert.equal(await goodCard.locator('li.step[data-state="done"]').count(), 8, 'all eight steps done');
  await shot(page, '05-attest-verified');

  // Attest the tampered guest: failure with its reason.
  await attest(page, scenario.tamperedGuest, '06-attest-tampered');
  const badCard = page.getByRole('region', { name: `Run of ${scenario.tamperedGuest.name}` });
  await badCard.locator('[data-outcome="mismatch"]').waitFor();
  const reason = await badCard.getByRole('alert').innerText();
  assert.match(reason, scenario.expectedFailure, 'failure reason shown');
  assert.equal(await badCard.locator('li.step[data-state="failed"]').count(), 1, 'exactly one step failed');
  await shot(page, '07-attest-failed');

  // Guests list shows both states.
  await nav(page, 'Guests');
  await page.locator(`tr[data-guest="${scenario.goodGuest.name}"][data-status="verified"]`).waitFor();
  await page.locator(`tr[data-guest="${scenario.tamperedGuest.name}"][data-status="failing"]`).waitFor();
  await shot(page, '08-guests-both-states');

  // Batch: select both and attest them as a fleet (host keys are pinned now: no prompt).
  await page.getByLabel('Select all shown guests').check();
  await page.getByRole('button', { name: 'Attest selected (2)' }).click();
  await page.locator('[data-run-status="finished"]').waitFor();
  await page
    .getByRole('region', { name: `Run of ${scenario.goodGuest.name}` })
    .locator('[data-outcome="verified"]')
    .waitFor();
  await page
    .getByRole('region', { name: `Run of ${scenario.tamperedGuest.name}` })
    .locator('[data-outcome="mismatch"]')
    .waitFor();
  await shot(page, '08b-attest-batch');
  await nav(page, 'Guests');
  await page.getByLabel('Select all shown guests').uncheck();

  // History: open the genuine guest, its history, then the report with the HKD steps.
  await page.getByRole('button', { name: scenario.goodGuest.name, exact: true }).click();
  await page.getByRole('heading', { name: 'History' }).waitFor();
  const history = page.getByRole('list', { name: 'Attestation history' });
  await history.getByRole('button').first().waitFor();
  assert.equal(await history.getAttribute('aria-rowcount'), '2', 'the single run and the batch run');
  await shot(page, '09-guest-detail');
  await history.getByRole('button').first().click();
  await page.getByRole('heading', { name: 'HKD verification' }).waitFor();
  await page
    .getByRole('heading', { name: /Attestation of/ })
    .locator('[data-outcome="verified"]')
    .waitFor();
  await shot(page, '10-attestation-report');

  // The tampered guest's report shows the reason too.
  await nav(page, 'Guests');
  await page.getByRole('button', { name: scenario.tamperedGuest.name, exact: true }).click();
  await page.getByRole('list', { name: 'Attestation history' }).getByRole('button').first().click();
  const reportReason = page.locator('[data-reason-code]').first();
  await reportReason.waitFor();
  assert.match(await reportReason.innerText(), scenario.expectedFailure);
  await shot(page, '11-attestation-report-failed');

  // Evidence dialog.
  await nav(page, 'Evidence');
  const evidenceForm = page.getByRole('form', { name: 'Export evidence' });
  await evidenceForm.waitFor();
  if (scenario.evidenceDir) {
    // Export today's attestations of every guest: 2 runs of each guest (single + batch).
    await evidenceForm.getByLabel('Destination folder').fill(scenario.evidenceDir);
    await evidenceForm.getByRole('button', { name: 'Export' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Wrote' });
    await done.waitFor();
    const text = (await done.innerText()).replace(/\s+/g, ' ');
    const m = /Wrote (\d+) attestations to (\S+\.zip)/.exec(text);
    assert.ok(m, `export result shown: ${text}`);
    assert.equal(Number(m[1]), 4);
    assert.ok(m[2]!.startsWith(scenario.evidenceDir) && existsSync(m[2]!), `bundle written: ${m[2]}`);
  }
  await shot(page, '12-evidence');

  // Dark theme.
  await page.getByLabel('Theme').selectOption('dark');
  await nav(page, 'Guests');
  await page.locator(`tr[data-guest="${scenario.goodGuest.name}"]`).waitFor();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await shot(page, '13-guests-dark');
  await page.getByLabel('Theme').selectOption('light');

  const metrics: FlowMetrics = { firstScreenMs };
  if (scenario.seedHistory) {
    await scenario.seedHistory(scenario.goodGuest.name, 10_000);
    const servedBefore = scenario.rowsServed?.() ?? 0;
    await page.getByRole('button', { name: scenario.goodGuest.name, exact: true }).click();
    const list = page.getByRole('list', { name: 'Attestation history' });
    await list.getByRole('button').first().waitFor();
    const total = Number(await list.getAttribute('aria-rowcount'));
    assert.ok(total >= 10_000, `history has ${total} rows`);
    const rendered = await list.getByRole('listitem').count();
    assert.ok(rendered < 100, `only the visible window is rendered (${rendered} rows)`);
    // Scroll to the end: the last rows appear, still only a window is in the DOM.
    await list.evaluate((el) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = box.scrollHeight;
    });
    // The oldest row (index total-1) is rendered with its data once the last page has arrived.
    await list.locator(`[data-index="${total - 1}"] .history-row`).waitFor();
    const renderedAfter = await list.getByRole('listitem').count();
    assert.ok(renderedAfter < 100, `after scrolling still a window (${renderedAfter} rows)`);
    metrics.historyRowsRendered = Math.max(rendered, renderedAfter);
    metrics.historyTotal = total;
    if (scenario.rowsServed) {
      metrics.historyRowsServed = scenario.rowsServed() - servedBefore;
      assert.ok(
        metrics.historyRowsServed < total / 10,
        `only pages near the viewport were fetched (${metrics.historyRowsServed})`,
      );
    }
    await shot(page, '14-history-10000');
  }
  assert.deepEqual(session.cspViolations, [], 'no CSP violations or page errors');
  return metrics;
}
