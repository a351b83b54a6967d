/**
 * Issues 6 and 15 end to end: the workstation UI in Debian's Chromium against web mode backed by the real
 * main-process services (port adapter over a temp SQLite database) and simulated secure guests on loopback
 * SSH (real-scenario.ts), at 1366×768 and 1024×640, with axe-core on every screen. Then web mode's own
 * pieces: a used sign-in link shows how to get in again, `se-attest open`'s way in (a fresh one-time URL from
 * the running instance) works without a restart, and the connection-lost banner appears when the server
 * stops. Prints the figures it saw (no wall-clock assertions: `npm run bench ui` holds the timing targets).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listInstances, registerInstance, requestSignInUrl } from '../../main/web/instance.js';
import { createRealScenario } from './real-scenario.js';
import type { ScenarioFactory } from './scenario.js';
import {
  browserSkipReason,
  checkScreen,
  openGuestsTable,
  openFlowSession,
  runWorkstationFlow,
  shot,
} from './workstation-flow.js';

/** The backend of this run: the one parameter to change. */
const SCENARIO: ScenarioFactory = createRealScenario;

const skip = browserSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

test(
  'workstation e2e in Chromium (web mode) at 1366×768 and 1024×640: every screen, axe, no console error or failed request',
  { skip: skip ?? false, timeout: 600_000 },
  async () => {
    const session = await openFlowSession(SCENARIO, 'flow');
    try {
      const metrics = await runWorkstationFlow(session);
      console.log(`# e2e: ${metrics.screensChecked.length} screens checked: ${metrics.screensChecked.join('; ')}`);
      if (metrics.historyTotal !== undefined) {
        console.log(
          `# e2e: history of ${metrics.historyTotal} rows: ${metrics.historyRowsRendered} rendered, ${metrics.historyRowsServed ?? '?'} fetched`,
        );
      }
      const { page, bridge } = session;

      // A used sign-in link: a page that explains how to get in again (no server restart needed).
      const other = await session.browser.newContext({ viewport: { width: 1024, height: 640 } });
      const stranger = await other.newPage();
      const used = await stranger.goto(bridge.url);
      assert.equal(used?.status(), 403);
      const text = await stranger.locator('main').innerText();
      assert.match(text, /already used or has expired/);
      assert.match(text, /npx se-attest open/);
      assert.match(text, /nothing is restarted/);
      await checkScreen(stranger, '17-signin-again', [], true);

      // `se-attest open`'s way in: the instance file gives a fresh one-time URL of the running workstation.
      const dir = await mkdtemp(join(tmpdir(), 'sea-instances-'));
      try {
        const unregister = registerInstance(dir, {
          pid: process.pid,
          origin: bridge.origin,
          dbPath: session.scenario.dbPath ?? 'memory',
          startedAt: new Date().toISOString(),
          control: bridge.controlSecret,
        });
        const [instance] = listInstances(dir);
        const fresh = await requestSignInUrl(instance!);
        assert.notEqual(fresh, bridge.url);
        await stranger.goto(fresh);
        await stranger.getByRole('heading', { name: 'Guests', level: 1 }).waitFor();
        assert.match(stranger.url(), /#\/guests$/);
        const again = await other.newPage();
        assert.equal((await again.goto(fresh))?.status(), 200, 'the same browser is already signed in');
        unregister();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await other.close();

      // Connection lost: calls that cannot reach the workstation show the banner and disable the actions;
      // Retry brings it back once the workstation answers.
      session.cspViolations.pause = true; // the failures below are the point of this part
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Guests', exact: true }).click();
      await page.route('**/api/call/**', (route) => route.abort('connectionrefused'));
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trust', exact: true }).click();
      const banner = page.locator('[data-connection="lost"]');
      await banner.waitFor();
      assert.match(await banner.innerText(), /Connection to the workstation lost/);
      assert.doesNotMatch(await banner.innerText(), /Something went wrong/);
      assert.equal(
        await page
          .getByRole('button', { name: /^Remove / })
          .first()
          .isDisabled(),
        true,
        'actions disabled',
      );
      await page.unroute('**/api/call/**');
      await banner.getByRole('button', { name: 'Retry' }).click();
      await banner.waitFor({ state: 'detached' });
      assert.equal(
        await page
          .getByRole('button', { name: /^Remove / })
          .first()
          .isDisabled(),
        false,
      );

      // The server stops: the banner appears by itself (the event stream drops, the check fails).
      await bridge.close();
      await banner.waitFor({ timeout: 30_000 });
      assert.equal(await banner.getAttribute('data-cause'), 'unreachable');
      assert.match(await banner.innerText(), /server has stopped/);
      await shot(page, '18-connection-lost', false);
    } finally {
      await session.close();
    }
  },
);

test(
  'first screen with 100,000 stored attestations (web mode): the guests show without loading the history',
  { skip: skip ?? false, timeout: 180_000 },
  async (t) => {
    const session = await openFlowSession(SCENARIO, 'bulk');
    try {
      if (!session.scenario.seedStoredAttestations) {
        t.skip('scenario cannot seed stored attestations');
        return;
      }
      await session.scenario.seedStoredAttestations(100_000);
      await openGuestsTable(session);
      await shot(session.page, '00-guests-100k');
      assert.equal(await session.page.locator('tbody tr[data-guest]').count(), 10);
      assert.deepEqual(session.cspViolations, []);
    } finally {
      await session.close();
    }
  },
);
