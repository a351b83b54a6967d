/**
 * The Electron shell launched by Playwright's `_electron`: one sandboxed, context-isolated window showing
 * the Guests screen, `window.attest` exposing one method per channel, no Node in the page, navigation
 * locked; then the same e2e flow as web mode when the scenario has a database the shell can open.
 * Skipped with a printed reason when no Electron binary is installed (as in this environment).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { CHANNELS, toMethodName } from '../../shared/contract.js';
import { buildRenderer } from '../../scripts/build-renderer.mjs';
import { findElectronBinary } from '../../scripts/electron-path.mjs';
import { createRealScenario } from '../e2e/real-scenario.js';
import type { ScenarioFactory } from '../e2e/scenario.js';
import { runWorkstationFlow, watchPageErrors } from '../e2e/workstation-flow.js';

/** The backend of the flow; the same one parameter as test/e2e/workstation.test.ts. */
const SCENARIO: ScenarioFactory = createRealScenario;

const ROOT = new URL('../../', import.meta.url).pathname;
const binary = findElectronBinary();
const skip = binary
  ? false
  : 'no Electron binary installed (node_modules/electron has no runtime; it cannot be downloaded here)';
if (skip) console.log(`# electron launch test skipped: ${skip}`);

test(
  'Electron window: secure shell, bridge with one method per channel, then the e2e flow',
  { skip, timeout: 180_000 },
  async (t) => {
    await buildRenderer({ dev: false });
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    assert.equal(tsc.status, 0, 'main process builds');
    const scenario = await SCENARIO();
    const app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, ...(scenario.dbPath ? ['--db', scenario.dbPath] : [])],
      cwd: ROOT,
    });
    try {
      const page = await app.firstWindow();
      const cspViolations = watchPageErrors(page);
      await page.getByRole('heading', { name: 'Guests', level: 1 }).waitFor();
      assert.equal(app.windows().length, 1);
      assert.equal(
        await page.evaluate(() => typeof (globalThis as { require?: unknown }).require),
        'undefined',
        'no Node in the page',
      );
      assert.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined');
      const methods = await page.evaluate(() =>
        Object.keys((globalThis as unknown as { attest: object }).attest).sort(),
      );
      assert.deepEqual(methods, [...CHANNELS.map(toMethodName), 'on'].sort());
      const before = page.url();
      await page.evaluate(() => {
        (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
      });
      assert.equal(page.url(), before, 'navigation is blocked');
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]!;
        const p = (
          w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> }
        ).getLastWebPreferences?.();
        return p
          ? { sandbox: p['sandbox'], contextIsolation: p['contextIsolation'], nodeIntegration: p['nodeIntegration'] }
          : undefined;
      });
      if (prefs) assert.deepEqual(prefs, { sandbox: true, contextIsolation: true, nodeIntegration: false });

      if (!scenario.dbPath) {
        t.diagnostic('flow skipped: the scenario has no database the Electron main process can open');
        return;
      }
      await runWorkstationFlow({
        scenario,
        page,
        cspViolations,
        screenshotPrefix: 'electron-',
        resizable: false, // an Electron window is checked at its own size
        open: async () => undefined,
      });
    } finally {
      await app.close();
      await scenario.close();
    }
  },
);
