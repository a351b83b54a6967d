/**
 * The end-to-end flow of the workstation in a real Chromium against web mode (or the Electron window): import
 * trust material, add guests through the form (bad hex refused with the field marked), attest a genuine, a
 * tampered and a policy-violating guest (a refused host key, then "Try again"), the guests list (chips filter,
 * sort, why a guest fails, selection cleared by the filter), guest detail with its timeline chart (zoom) and
 * history, the reports (said once, expected vs seen, HKDs by host name), routing (links, reload, Back), Trust
 * removal (dependents listed, guests flagged, undo), Evidence presets; then every screen again at 1024×640.
 * On every screen: no element leaves the viewport horizontally, axe-core finds no serious or critical
 * violation, and (checked at the end) no console error or failed request happened. Screenshots of each screen
 * go to test-output/screenshots/. The backend is one parameter: a ScenarioFactory.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { memoryIo } from '../../main/cli/io.js';
import { runCli } from '../../main/cli/main.js';
import { startWebBridge, type WebBridge } from '../../main/web/server.js';
import { buildRenderer } from '../../scripts/build-renderer.mjs';
import type { E2eScenario, ScenarioFactory, ScenarioGuest } from './scenario.js';

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Where screenshots go. */
export const SCREENSHOT_DIR = new URL('../../test-output/screenshots/', import.meta.url).pathname;
/** The laptop sizes every screen is checked at. */
export const WIDE = { width: 1366, height: 768 };
export const NARROW = { width: 1024, height: 640 };

/** Why the browser test cannot run here, or undefined when it can. */
export function browserSkipReason(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
}

/** Figures measured during the run, printed by the test. */
export interface FlowMetrics {
  historyRowsRendered?: number;
  historyRowsServed?: number;
  historyTotal?: number;
  /** Screens checked (layout + accessibility), per viewport. */
  screensChecked: string[];
}

/** Where the flow runs: a page (Chromium tab or Electron window) and how to open the app in it. */
export interface FlowTarget {
  scenario: E2eScenario;
  page: Page;
  /** Opens the app (web: the token URL; Electron: the window is already showing it). */
  open(): Promise<void>;
  /** Screenshot file name prefix ('' for web mode, e.g. 'electron-' for the desktop shell). */
  screenshotPrefix?: string;
  /** CSP violations, page errors, console errors and failed requests seen so far (`pause` stops collecting). */
  cspViolations: string[] & { pause?: boolean };
  /** Whether the viewport can be resized (not in an Electron window). */
  resizable?: boolean;
}

/** A running browser + bridge + scenario. */
export interface FlowSession extends FlowTarget {
  bridge: WebBridge;
  browser: Browser;
  close(): Promise<void>;
}

/** Requests a reload or navigation may cancel without anything being wrong. */
const ABORTED_BY_NAVIGATION = new Set(['/api/events', '/favicon.svg']);

/** Problems a page shows: CSP violations, page errors, console errors, failed requests (while `watching`). */
export function watchPageErrors(page: Page): string[] & { pause?: boolean } {
  const found: string[] & { pause?: boolean } = [];
  page.on('console', (msg) => {
    if (!found.pause && msg.type() === 'error') found.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => found.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    // A reload or navigation ends the open event stream, and cancels the icon Chromium fetches after a load when
    // it is still on its way: the browser reports both as aborted, not as failures (a missing icon would still be
    // an HTTP error, below). Seen on busy machines: 'GET …/favicon.svg net::ERR_ABORTED'.
    if (error === 'net::ERR_ABORTED' && ABORTED_BY_NAVIGATION.has(new URL(req.url()).pathname)) return;
    if (!found.pause) found.push(`request failed: ${req.method()} ${req.url()} ${error}`);
  });
  page.on('response', (res) => {
    if (!found.pause && res.status() >= 400) found.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  return found;
}

/** Builds the renderer into a temp folder, starts the bridge over the scenario's port, opens Chromium. */
export async function openFlowSession(
  factory: ScenarioFactory,
  prefix: string,
  viewport: { width: number; height: number } = WIDE,
): Promise<FlowSession> {
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
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  const cspViolations = watchPageErrors(page);
  let closed = false;
  return {
    scenario,
    bridge,
    browser,
    page,
    cspViolations,
    resizable: true,
    open: async () => {
      await page.goto(bridge.url);
    },
    async close() {
      if (closed) return;
      closed = true;
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

/** Writes a screenshot of the page (info notices without an action dismissed first, unless kept). */
export async function shot(page: Page, name: string, fullPage = true, keepNotices = false): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  if (!keepNotices) {
    const plain = page
      .locator('.notice-info:not(:has(.notice-action))')
      .getByRole('button', { name: 'Dismiss notice' });
    while ((await plain.count()) > 0) await plain.first().click();
  }
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${screenshotPrefix}${name}.png`), fullPage });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs in the page: every rendered element whose box leaves the viewport horizontally (visually hidden
 * elements — 1 px, clipped — excepted), plus the document's own horizontal overflow.
 */
function horizontalOverflow(): string[] {
  const g = globalThis as unknown as {
    innerWidth: number;
    document: {
      documentElement: { scrollWidth: number };
      querySelectorAll(s: string): ArrayLike<{
        getBoundingClientRect(): { left: number; right: number; width: number; height: number };
        tagName: string;
        className: unknown;
        textContent: string | null;
        closest(s: string): unknown;
      }>;
    };
    getComputedStyle(el: unknown): { visibility: string; display: string };
  };
  const width = g.innerWidth;
  const out: string[] = [];
  if (g.document.documentElement.scrollWidth > width + 1)
    out.push(`document scrolls sideways: ${g.document.documentElement.scrollWidth} > ${width}`);
  const all = g.document.querySelectorAll('body *');
  for (let i = 0; i < all.length; i++) {
    const el = all[i]!;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue; // visually hidden (sr-only) or empty
    if (el.closest('.sr-only, .skip-link, svg')) continue;
    const style = g.getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (r.left < -1 || r.right > width + 1)
      out.push(
        `${el.tagName.toLowerCase()}.${String(el.className)} [${Math.round(r.left)}, ${Math.round(r.right)}] "${(el.textContent ?? '').trim().slice(0, 40)}"`,
      );
    if (out.length > 10) break;
  }
  return out;
}

/** Checks one screen: nothing leaves the viewport sideways, no serious/critical axe violation; screenshot. */
export async function checkScreen(
  page: Page,
  name: string,
  checked: string[],
  screenshot: boolean | 'viewport' = true,
): Promise<void> {
  const viewport = page.viewportSize();
  const where = `${name} at ${viewport?.width ?? '?'}×${viewport?.height ?? '?'}`;
  // Let layout settle (fonts, ResizeObserver-driven widths).
  await page.evaluate(
    () =>
      new Promise((r) => {
        const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
        raf(() => raf(() => r(undefined)));
      }),
  );
  const overflow = await page.evaluate(horizontalOverflow);
  assert.deepEqual(overflow, [], `${where}: elements leave the viewport horizontally`);
  // The window never tells its user to pass a command-line flag (commands shown as code are commands to run).
  const prose = await page.evaluate(() => {
    const d = (globalThis as unknown as { document: { body: { cloneNode(deep: boolean): unknown } } }).document;
    const copy = d.body.cloneNode(true) as {
      querySelectorAll(s: string): ArrayLike<{ remove(): void }>;
      textContent: string | null;
    };
    const code = copy.querySelectorAll('code, .mono, kbd');
    for (let i = code.length - 1; i >= 0; i--) code[i]!.remove();
    return copy.textContent ?? '';
  });
  assert.doesNotMatch(prose, /(?:^|[\s(“"])--[a-z]/, `${where}: no command-line flag in the window's words`);
  const hasAxe = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!hasAxe) await page.evaluate(AXE_SOURCE); // evaluated through the DevTools protocol: the page's CSP stays on
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            ctx: unknown,
            o: unknown,
          ): Promise<{
            violations: {
              id: string;
              impact: string | null;
              help: string;
              nodes: { target: unknown[]; html: string; failureSummary?: string }[];
            }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, {
      resultTypes: ['violations'],
    });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes
            .slice(0, 3)
            .map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 120)} ${n.failureSummary ?? ''}`)
            .join(' | ')}`,
      );
  });
  assert.deepEqual(violations, [], `${where}: axe-core serious/critical violations`);
  checked.push(where);
  if (screenshot) await shot(page, name, screenshot !== 'viewport');
}

async function nav(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click();
}

/** The toast with `text` appears. */
async function toast(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('.notices .notice').filter({ hasText: text }).first().waitFor();
}

async function addGuest(
  page: Page,
  guest: ScenarioGuest,
  extra: { notes?: string; expectImagePhkh?: string; requireImagePhkh?: boolean } = {},
): Promise<void> {
  await nav(page, 'Guests');
  await page.getByRole('button', { name: 'Add guest' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add guest' });
  await dialog.getByLabel('Name').fill(guest.name);
  await dialog.getByLabel('SSH target').fill(guest.sshTarget);
  if (guest.identityRef) await dialog.getByLabel(/SSH identity/).fill(guest.identityRef);
  if (guest.seHeaderPath) await dialog.getByLabel('SE header or image').setInputFiles(guest.seHeaderPath);
  if (extra.notes) await dialog.getByLabel('Notes').fill(extra.notes);
  if (extra.requireImagePhkh) await dialog.getByRole('checkbox', { name: /Image PHKH/ }).check();
  if (extra.expectImagePhkh) {
    await dialog.getByLabel('Expected image PHKH', { exact: true }).selectOption('paste');
    await dialog.getByLabel('Expected image PHKH (hex)').fill(extra.expectImagePhkh);
  }
  await dialog.getByRole('button', { name: 'Save guest' }).click();
  await dialog.waitFor({ state: 'detached' });
  await toast(page, `Guest ${guest.name} saved`);
  await page.locator(`tr[data-guest="${guest.name}"]`).waitFor();
}

/** The form refuses bad hex: the field is marked and says what is wrong, in words. */
async function formRejectsBadHex(page: Page, checked: string[], tag: string): Promise<void> {
  await nav(page, 'Guests');
  await page.getByRole('button', { name: 'Add guest' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add guest' });
  await dialog.getByLabel('Name').fill('bad-hex');
  await dialog.getByLabel('SSH target').fill('root@127.0.0.1:22');
  const userData = dialog.getByLabel('Expected user data (hex, optional)');
  await userData.fill('xyz');
  await dialog.getByRole('button', { name: 'Save guest' }).click();
  await dialog.locator('.field-error').first().waitFor();
  assert.equal(await userData.getAttribute('aria-invalid'), 'true', 'the user-data field is marked');
  const described = await userData.getAttribute('aria-describedby');
  assert.ok(described, 'the field points to its message');
  const message = await dialog.locator(`[id="${described!.split(' ')[0]}"]`).innerText();
  assert.match(message, /hexadecimal characters/, 'the message says what is wrong in words');
  assert.doesNotMatch(await dialog.innerText(), /policy\.|expectedUserData/, 'no internal names');
  assert.equal(await userData.evaluate(isFocused), true, 'focus moves to the marked field');
  await checkScreen(page, `${tag}guest-form-invalid`, checked, 'viewport');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
}

async function attest(page: Page, guest: ScenarioGuest, name: string, decision: 'trust' | 'reject' = 'trust') {
  await nav(page, 'Guests');
  await page.getByRole('button', { name: `Attest ${name}` }).click();
  const prompt = page.getByRole('dialog', { name: 'Trust this host key?' });
  await prompt.waitFor();
  if (guest.hostKeyFingerprint) {
    const shown = (await prompt.innerText()).replace(/\s+/g, '');
    assert.ok(shown.includes(guest.hostKeyFingerprint), `the prompt shows the fingerprint ${guest.hostKeyFingerprint}`);
  }
  return prompt.getByRole('button', { name: decision === 'trust' ? 'Trust and pin' : 'Reject' });
}

/**
 * Opens the app (over a store the caller seeded) and waits until the Guests table shows its first row. How long
 * that takes is `npm run bench ui`'s figure (ui-first-screen), which times this call; tests never assert it.
 */
export async function openGuestsTable(session: FlowTarget): Promise<void> {
  screenshotPrefix = session.screenshotPrefix ?? '';
  await session.open();
  await session.page.getByRole('table', { name: 'Guests' }).locator('tbody tr[data-guest]').first().waitFor();
}

/** Runs the whole flow; returns measured figures. Assertions fail the calling test. */
export async function runWorkstationFlow(session: FlowTarget): Promise<FlowMetrics> {
  const { page, scenario } = session;
  screenshotPrefix = session.screenshotPrefix ?? '';
  const checked: string[] = [];
  await session.open();
  await page.getByRole('heading', { name: 'Guests', level: 1 }).waitFor();
  await page
    .getByRole('region', { name: 'No guests yet' })
    .or(page.getByRole('table', { name: 'Guests' }))
    .first()
    .waitFor();
  assert.ok(!page.url().includes('token='), 'the token is removed from the address bar after the exchange');
  assert.match(page.url(), /#\/guests$/, 'the first screen has its link');
  await checkScreen(page, '01-guests-empty', checked);

  // Keyboard: Enter opens the Add guest dialog with focus in its first field; Escape closes it and gives
  // focus back to the button.
  const addButton = page.getByRole('button', { name: 'Add guest' });
  await addButton.focus();
  await page.keyboard.press('Enter');
  const addDialog = page.getByRole('dialog', { name: 'Add guest' });
  await addDialog.waitFor();
  assert.equal(await addDialog.getByLabel('Name').evaluate(isFocused), true);
  await checkScreen(page, '01b-guest-form', checked, 'viewport');
  await page.keyboard.press('Escape');
  await addDialog.waitFor({ state: 'detached' });
  assert.equal(await addButton.evaluate(isFocused), true);

  // Trust: import HKD, CA and CRL through the file picker; the toast counts new / already present / rejected.
  await nav(page, 'Trust');
  assert.match(page.url(), /#\/trust$/);
  await page.getByRole('region', { name: 'No trust material yet' }).waitFor();
  await page.getByLabel('Import trust files').setInputFiles(scenario.trustFiles);
  await toast(page, `Imported: ${scenario.trustFiles.length} new, 0 already present`);
  await page.getByRole('table', { name: 'Host-key documents' }).waitFor();
  await page.getByRole('table', { name: 'CRLs' }).waitFor();
  const crlRow = page.getByRole('table', { name: 'CRLs' }).locator('tbody tr').first();
  assert.match((await crlRow.innerText()).replace(/\s+/g, ' '), /\b1[12] d\b/, 'CRL shows the days until nextUpdate');
  assert.equal(await page.getByRole('status', { name: 'Expiring soon' }).count(), 1, 'expiry warning under 30 days');
  // Chain status is explained for every certificate (root CA, intermediate, signing key, HKD): never a dash.
  const certs = page.getByRole('table', { name: 'Certificates' });
  assert.match(await certs.innerText(), /Root CA: the trust anchor/);
  assert.match(await certs.innerText(), /Intermediate CA: checked as part of the chain of/);
  assert.match(await page.getByRole('table', { name: 'Host-key documents' }).innerText(), /Chain valid/);
  // A DN is short (CN · OU) with the full name on demand.
  const hkdRow = page.getByRole('table', { name: 'Host-key documents' }).locator('tbody tr').first();
  await hkdRow.getByRole('button', { name: 'Full name' }).click();
  assert.match(await hkdRow.locator('.dn-full').innerText(), /CN=International Business Machines Corporation/);
  assert.match(await hkdRow.locator('.dn-short').innerText(), /^DEMO IBM Z Host Key/, 'IBM names the host in the OU');
  await checkScreen(page, '02-trust', checked);

  // Drag-and-drop import: dropping a file already imported counts it as already present.
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
  await toast(page, 'Imported: 0 new, 1 already present');
  assert.equal(await page.locator('tbody tr[data-kind]').count(), countBefore, 'same file, same item');

  // Guests: the form refuses bad hex with the field marked; then add the genuine, tampered and policy guests.
  await formRejectsBadHex(page, checked, '');
  await addGuest(page, scenario.goodGuest, { notes: 'Payments front end; owner: ops team' });
  await addGuest(page, scenario.tamperedGuest);
  const policyGuest: ScenarioGuest = { ...scenario.goodGuest, name: 'guest-policy' };
  await addGuest(page, policyGuest, { requireImagePhkh: true, expectImagePhkh: '00'.repeat(32) });
  assert.equal(await page.locator(`tr[data-guest="${scenario.goodGuest.name}"]`).getAttribute('data-status'), 'never');

  // Attest the genuine guest: verified.
  await (await attest(page, scenario.goodGuest, scenario.goodGuest.name)).click();
  await page.locator('[data-run-status="finished"]').waitFor();
  const goodCard = page.getByRole('region', { name: `Run of ${scenario.goodGuest.name}` });
  await goodCard.locator('[data-outcome="verified"]').waitFor();
  assert.equal(await goodCard.locator('li.step[data-state="done"]').count(), 8, 'all eight steps done');
  await checkScreen(page, '05-attest-verified', checked);

  // Attest the tampered guest: a mismatch, with its reason, next step and code.
  const trustTampered = await attest(page, scenario.tamperedGuest, scenario.tamperedGuest.name);
  await shot(page, '04-attest-genuine-hostkey-prompt');
  await trustTampered.click();
  await page.locator('[data-run-status="finished"]').waitFor();
  const badCard = page.getByRole('region', { name: `Run of ${scenario.tamperedGuest.name}` });
  await badCard.locator('[data-outcome="mismatch"]').waitFor();
  const reason = await badCard.getByRole('alert').innerText();
  assert.match(reason, scenario.expectedFailure, 'failure reason shown');
  assert.match(reason, /Next step:/);
  assert.equal(await badCard.locator('li.step[data-state="failed"]').count(), 1, 'exactly one step failed');
  await checkScreen(page, '07-attest-failed', checked);

  // The policy guest: refuse its host key first (steps not reached show "Skipped"), then "Try again" is one click.
  await (await attest(page, policyGuest, policyGuest.name, 'reject')).click();
  await page.locator('[data-run-status="error"]').waitFor();
  const refused = page.getByRole('region', { name: `Run of ${policyGuest.name}` });
  assert.match(await page.locator('[data-error-code="ERR_APP_HOSTKEY_REJECTED"]').innerText(), /not trusted/);
  assert.ok((await refused.locator('li.step[data-state="skipped"]').count()) >= 4, 'later steps skipped');
  assert.equal(await refused.getByText('Waiting').count(), 0, 'no step is left waiting');
  await checkScreen(page, '06-attest-hostkey-refused', checked);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page
    .getByRole('dialog', { name: 'Trust this host key?' })
    .getByRole('button', { name: 'Trust and pin' })
    .click();
  await page.locator('[data-run-status="finished"]').waitFor();
  await page
    .getByRole('region', { name: `Run of ${policyGuest.name}` })
    .locator('[data-outcome="policy-violation"]')
    .waitFor();

  // Guests list: why each failing guest fails; chips filter; the filter clears hidden rows from the selection.
  await nav(page, 'Guests');
  await page.locator(`tr[data-guest="${scenario.goodGuest.name}"][data-status="verified"]`).waitFor();
  await page.locator(`tr[data-guest="${scenario.tamperedGuest.name}"][data-status="failing"]`).waitFor();
  const why = page.locator(`[data-why="${scenario.tamperedGuest.name}"]`);
  assert.match(await why.innerText(), /does not match the request/);
  const policyWhy = await page.locator(`[data-why="${policyGuest.name}"]`).innerText();
  assert.match(policyWhy, /ERR_POLICY_IMAGE_PHKH/, 'the row names the code');
  await checkScreen(page, '08-guests-both-states', checked);
  await page.getByLabel('Select all shown guests').check();
  assert.match(await page.getByRole('button', { name: /Attest selected/ }).innerText(), /\(3\)/);
  await page.getByRole('button', { name: /^Failing/ }).click();
  assert.equal(await page.locator('tbody tr[data-guest]').count(), 2, 'the Failing chip shows the failing guests');
  assert.match(
    await page.getByRole('button', { name: /Attest selected/ }).innerText(),
    /\(2\)/,
    'hidden row unselected',
  );
  await page.getByRole('button', { name: /^All/ }).click();
  // Sort by name, descending.
  await page.getByRole('button', { name: 'Name' }).click();
  const names = await page
    .locator('tbody tr[data-guest]')
    .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { guest: string } }).dataset.guest));
  assert.deepEqual(names, [...names].sort().reverse(), 'sorted by name, descending');
  assert.equal(await page.locator('th[aria-sort="descending"]').count(), 1);
  await page.getByRole('button', { name: 'Name' }).click();

  // Batch: the two selected guests (host keys pinned now: no prompt).
  await page.getByLabel('Select all shown guests').check();
  await page.getByLabel('Select all shown guests').uncheck();
  await page.getByLabel(`Select ${scenario.goodGuest.name}`).check();
  await page.getByLabel(`Select ${scenario.tamperedGuest.name}`).check();
  await page.getByRole('button', { name: 'Attest selected (2)' }).click();
  await page.locator('[data-run-status="finished"]').waitFor();
  await page
    .getByRole('region', { name: `Run of ${scenario.tamperedGuest.name}` })
    .locator('[data-outcome="mismatch"]')
    .waitFor();
  await shot(page, '08b-attest-batch');

  // Guest detail: timeline chart above the history, notes shown; zoom to a period.
  await nav(page, 'Guests');
  await page.getByRole('link', { name: scenario.goodGuest.name, exact: true }).click();
  await page.getByRole('heading', { name: 'History' }).waitFor();
  const guestUrl = page.url();
  assert.match(guestUrl, /#\/guests\/\d+$/);
  const history = page.getByRole('list', { name: 'Attestation history' });
  await history.getByRole('link').first().waitFor();
  assert.equal(await history.getAttribute('data-rowcount'), '2', 'the single run and the batch run');
  const chart = page.locator('svg.timeline-svg');
  await chart.waitFor();
  assert.equal(await chart.getAttribute('data-points'), '2');
  assert.equal(await chart.locator('[data-outcome="verified"]').count(), 2, 'outcome-coloured marks');
  assert.match((await chart.getAttribute('aria-label')) ?? '', /2 attestations from .* 2 verified/);
  assert.match(await page.getByRole('region', { name: 'Notes' }).innerText(), /owner: ops team/);
  await checkScreen(page, '09-guest-detail', checked);
  // Editing shows the current SE header and the guest's fields; cancelling changes nothing.
  await page.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit guest' });
  assert.match(
    await edit.getByLabel('Current SE header').innerText(),
    /Current header: \d+ bytes, key slots for 1 host key/,
  );
  assert.equal(await edit.getByLabel('Notes').inputValue(), 'Payments front end; owner: ops team');
  await checkScreen(page, '09b-guest-edit', checked, 'viewport');
  await edit.getByRole('button', { name: 'Cancel' }).click();
  await edit.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Last 24 h' }).click();
  await page.getByRole('heading', { name: /History .*UTC to .*UTC/ }).waitFor();
  await page.getByRole('button', { name: 'All time' }).click();
  await page.getByRole('heading', { name: 'History', exact: true }).waitFor();

  // Report: its own link; reload keeps it; Back returns to the guest.
  await history.getByRole('link').first().click();
  await page.getByRole('heading', { name: 'HKD verification' }).waitFor();
  assert.match(page.url(), /#\/attestations\/\d+$/);
  const reportUrl = page.url();
  await page.reload();
  await page
    .getByRole('heading', { name: /Attestation of/ })
    .locator('[data-outcome="verified"]')
    .waitFor();
  assert.equal(page.url(), reportUrl, 'reload keeps the report');
  const hkds = page.getByRole('table', { name: 'Host-key documents of the request' });
  assert.match(await hkds.innerText(), /DEMO/, 'HKDs by host name');
  await hkds.getByRole('button', { name: 'Full name' }).first().click();
  assert.match(await hkds.locator('.dn-full').first().innerText(), /CN=/);
  await checkScreen(page, '10-attestation-report', checked);
  await page.goBack();
  await page.getByRole('heading', { name: 'History' }).waitFor();
  assert.equal(page.url(), guestUrl, 'Back returns to the guest');

  // The tampered guest's report: the reason said once, with a next step and the code.
  await nav(page, 'Guests');
  await page.getByRole('link', { name: scenario.tamperedGuest.name, exact: true }).click();
  await page.getByRole('list', { name: 'Attestation history' }).getByRole('link').first().click();
  const box = page.locator('[data-reason-code]').first();
  await box.waitFor();
  const boxText = await box.innerText();
  assert.match(boxText, scenario.expectedFailure);
  assert.match(boxText, /Next step:/);
  const mainText = await page.locator('main').innerText();
  const said = mainText.split('does not match the request and its SE header').length - 1;
  assert.equal(said, 1, 'the reason is said once');
  await checkScreen(page, '11-attestation-report-failed', checked);

  // The policy guest's report: the policy violation with expected beside seen for the failed check.
  await nav(page, 'Guests');
  await page.getByRole('link', { name: policyGuest.name, exact: true }).click();
  await page.getByRole('list', { name: 'Attestation history' }).getByRole('link').first().click();
  await page.locator('[data-outcome="policy-violation"]').first().waitFor();
  assert.match(await page.locator('[data-reason-code]').first().innerText(), /ERR_POLICY_IMAGE_PHKH/);
  const checks = page.getByRole('table', { name: 'Policy checks: expected and seen' });
  const failedRow = checks.locator('tr[data-check="image-phkh"]');
  assert.equal(await failedRow.getAttribute('data-passed'), 'false', 'the failed check, expected beside seen');
  const cells = failedRow.locator('td');
  assert.match(await cells.nth(2).innerText(), /^00000000…00000000/, 'expected: the policy value');
  assert.match(await cells.nth(3).innerText(), /^[0-9a-f]{8}…[0-9a-f]{8}/, 'seen: the image PHKH the guest reported');
  assert.notEqual(await cells.nth(3).innerText(), await cells.nth(2).innerText());
  assert.equal(await checks.locator('tr[data-check="add-data"]').getAttribute('data-passed'), 'true');
  await checkScreen(page, '11b-attestation-report-policy', checked);

  // Trust removal: asks first, names the guests that depend on the HKD; guests are flagged; undo restores.
  await nav(page, 'Trust');
  const hkdFile = scenario.trustFiles[0]!.split('/').pop()!;
  await page.getByRole('button', { name: `Remove ${hkdFile}` }).click();
  const confirm = page.getByRole('dialog', { name: `Remove ${hkdFile}?` });
  await confirm.waitFor();
  const dependents = await confirm.getByRole('list', { name: 'Guests that depend on it' }).innerText();
  for (const g of [scenario.goodGuest.name, scenario.tamperedGuest.name, policyGuest.name])
    assert.match(dependents, new RegExp(g), `${g} is named`);
  await checkScreen(page, '15-trust-remove-confirm', checked, 'viewport');
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
  await confirm.waitFor({ state: 'detached' });
  await page.getByRole('table', { name: 'Host-key documents' }).waitFor({ state: 'detached' }); // the HKD is gone
  await nav(page, 'Guests');
  const flagged = page.locator(`tr[data-guest="${scenario.goodGuest.name}"] [data-trust-issue]`);
  await flagged.waitFor();
  assert.match(await flagged.innerText(), /No host-key document imported/);
  assert.equal(await flagged.getByRole('link', { name: 'Fix on Trust' }).getAttribute('href'), '#/trust');
  await shot(page, '16-guests-hkd-missing', true, true);
  await page.locator('.notices').getByRole('button', { name: 'Undo' }).click();
  await toast(page, /Restored/);
  await page.locator(`tr[data-guest="${scenario.goodGuest.name}"] [data-trust-issue]`).waitFor({ state: 'detached' });
  await nav(page, 'Trust');
  await page.getByRole('table', { name: 'Host-key documents' }).waitFor();
  // Removing the signing key names the HKD chain that goes through it (then cancel).
  const signingFile = scenario.trustFiles
    .find((f) => /signing-key\.crt$/.test(f))
    ?.split('/')
    .pop();
  if (signingFile) {
    await page.getByRole('button', { name: `Remove ${signingFile}` }).click();
    const c2 = page.getByRole('dialog', { name: `Remove ${signingFile}?` });
    assert.match(await c2.getByRole('list', { name: 'Chains that depend on it' }).innerText(), new RegExp(hkdFile));
    await c2.getByRole('button', { name: 'Cancel' }).click();
    await c2.waitFor({ state: 'detached' });
  }

  // Evidence: presets fill ISO dates; export; where it is and the exact command to verify it.
  await nav(page, 'Evidence');
  const evidenceForm = page.getByRole('form', { name: 'Export evidence' });
  await evidenceForm.waitFor();
  const year = new Date().getUTCFullYear();
  await evidenceForm.getByRole('button', { name: 'Last year' }).click();
  assert.equal(await evidenceForm.getByLabel('From').inputValue(), `${year - 1}-01-01`);
  assert.equal(await evidenceForm.getByLabel('To').inputValue(), `${year - 1}-12-31`);
  await evidenceForm.getByRole('button', { name: 'This year' }).click();
  assert.equal(await evidenceForm.getByLabel('From').inputValue(), `${year}-01-01`);
  await evidenceForm.getByLabel('Organisation').fill('Example Bank, Security Office');
  if (scenario.evidenceDir) {
    await evidenceForm.getByLabel(/Destination folder/).fill(scenario.evidenceDir);
    await evidenceForm.getByRole('button', { name: 'Export', exact: true }).click();
    const done = page.getByRole('status').filter({ hasText: 'Wrote' });
    await done.waitFor();
    const text = (await done.innerText()).replace(/\s+/g, ' ');
    const m = /Wrote (\d+) attestations to (\S+\.zip)/.exec(text);
    assert.ok(m, `export result shown: ${text}`);
    assert.equal(Number(m[1]), 6, "the year's runs: 2 single, 1 refused, 1 retried, 2 batch");
    assert.ok(m[2]!.startsWith(scenario.evidenceDir) && existsSync(m[2]!), `bundle written: ${m[2]}`);
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const key = /public key[^:]*: (\S+\.pem)/.exec(text)?.[1];
    assert.ok(key && existsSync(key), `the public key's location is shown: ${key}`);
    assert.match(text, new RegExp(`se-attest evidence verify ${esc(m[2]!)} --trusted-key ${esc(key)}`));
    // The command shown is the one that works: run it.
    const io = memoryIo(tmpdir());
    assert.equal(await runCli(['evidence', 'verify', m[2]!, '--trusted-key', key], io), 0, io.stdout + io.stderr);
    // The organisation is remembered for the workspace: the screen, opened again, offers it from the port's
    // evidence:defaults (not from the form's state, which is gone). Navigation, not a reload: a reload would
    // abort the page's in-flight requests (the favicon), which the run's no-failed-request check counts.
    await nav(page, 'Guests');
    await nav(page, 'Evidence');
    await evidenceForm.waitFor();
    await page.waitForFunction("document.getElementById('evidence-organisation')?.value !== ''");
    assert.equal(await evidenceForm.getByLabel('Organisation').inputValue(), 'Example Bank, Security Office');
  }
  await checkScreen(page, '12-evidence', checked);

  // Dark theme.
  await page.getByRole('button', { name: /^Theme:/ }).click(); // system → light
  await page.getByRole('button', { name: /^Theme:/ }).click(); // light → dark
  await nav(page, 'Guests');
  await page.locator(`tr[data-guest="${scenario.goodGuest.name}"]`).waitFor();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await checkScreen(page, '13-guests-dark', checked);
  await page.getByRole('button', { name: /^Theme:/ }).click(); // dark → system

  // Every screen again at 1024×640: the sidebar collapses, nothing clips, routing and actions still work.
  if (session.resizable !== false) {
    await page.setViewportSize(NARROW);
    await nav(page, 'Guests');
    const sidebar = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    assert.ok(sidebar && sidebar.width < 80, `the sidebar collapses below 1100 px (${sidebar?.width} px)`);
    await page.locator(`tr[data-guest="${scenario.goodGuest.name}"]`).waitFor();
    await checkScreen(page, '20-1024-guests', checked);
    await page.getByRole('button', { name: /^Failing/ }).click();
    assert.equal(await page.locator('tbody tr[data-guest]').count(), 2);
    await page.getByRole('button', { name: /^All/ }).click();
    await formRejectsBadHex(page, checked, '21-1024-');
    await page.getByRole('link', { name: scenario.goodGuest.name, exact: true }).click();
    await page.locator('svg.timeline-svg').waitFor();
    await page.getByRole('list', { name: 'Attestation history' }).getByRole('link').first().waitFor();
    await checkScreen(page, '22-1024-guest-detail', checked);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 400));
    const navBox = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    assert.ok(navBox && navBox.y === 0, 'the sidebar stays in view when the page scrolls (sticky)');
    await page.getByRole('list', { name: 'Attestation history' }).getByRole('link').first().click();
    await page.getByRole('heading', { name: 'HKD verification' }).waitFor();
    await checkScreen(page, '23-1024-attestation-report', checked);
    await nav(page, 'Attest');
    await checkScreen(page, '24-1024-attest', checked);
    await nav(page, 'Trust');
    await page.getByRole('table', { name: 'Host-key documents' }).waitFor();
    await checkScreen(page, '25-1024-trust', checked);
    await page.getByRole('button', { name: `Remove ${hkdFile}` }).click();
    const c3 = page.getByRole('dialog', { name: `Remove ${hkdFile}?` });
    await c3.waitFor();
    await checkScreen(page, '26-1024-trust-remove', checked, false);
    await c3.getByRole('button', { name: 'Cancel' }).click();
    await nav(page, 'Evidence');
    await checkScreen(page, '27-1024-evidence', checked);
    await page.setViewportSize(WIDE);
  }

  const metrics: FlowMetrics = { screensChecked: checked };
  if (scenario.seedHistory) {
    await scenario.seedHistory(scenario.goodGuest.name, 10_000);
    const servedBefore = scenario.rowsServed?.() ?? 0;
    await nav(page, 'Guests');
    await page.getByRole('link', { name: scenario.goodGuest.name, exact: true }).click();
    const list = page.getByRole('list', { name: 'Attestation history' });
    await list.getByRole('link').first().waitFor();
    const total = Number(await list.getAttribute('data-rowcount'));
    assert.ok(total >= 10_000, `history has ${total} rows`);
    const rendered = await list.getByRole('listitem').count();
    assert.ok(rendered < 100, `only the visible window is rendered (${rendered} rows)`);
    // The timeline of a dense history is bucketed, never 10,000 marks.
    const dense = page.locator('svg.timeline-svg');
    assert.equal(await dense.getAttribute('data-points'), '0');
    assert.ok(Number(await dense.getAttribute('data-buckets')) > 0, 'bucketed timeline');
    // Scroll to the end: the last rows appear, still only a window is in the DOM.
    await list.evaluate((el) => {
      const b = el as unknown as { scrollTop: number; scrollHeight: number };
      b.scrollTop = b.scrollHeight;
    });
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
  assert.deepEqual(session.cspViolations, [], 'no CSP violation, page error, console error or failed request');
  return metrics;
}
