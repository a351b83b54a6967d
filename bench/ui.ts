/**
 * UI shell benchmarks: round trips through the loopback web bridge (HTTP + session/Origin checks + zod
 * validation + JSON) over a port that answers from memory, so the figures are the shell's own overhead:
 * a 100-row history page (what the virtualised list fetches per scroll step) and the guests list of a
 * 500-guest fleet.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttestError } from '../shared/errors/index.js';
import type { AttestationSummary, GuestSummary } from '../shared/types/ui.js';
import type { WorkstationPort } from '../main/ipc/port.js';
import { startWebBridge, type WebBridge } from '../main/web/server.js';

function notUsed(): never {
  throw new AttestError('ERR_APP_NOT_IMPLEMENTED', 'not used by the benchmark');
}

function memoryPort(guestCount: number, historyTotal: number): WorkstationPort {
  const guests: GuestSummary[] = Array.from({ length: guestCount }, (_, i) => ({
    id: `g${i}`,
    name: `guest-${i}`,
    sshTarget: `root@10.0.${i >> 8}.${i & 255}:22`,
    status: i % 7 === 0 ? 'failing' : 'verified',
    lastAttestation: { id: `a${i}`, at: new Date(0).toISOString(), outcome: 'verified' },
    hkdHealth: 'ok',
    crlHealth: 'ok',
  }));
  const row = (i: number): AttestationSummary => ({
    id: `a${i}`,
    guestId: 'g0',
    guestName: 'guest-0',
    startedAt: new Date(i * 60_000).toISOString(),
    durationMs: 900,
    outcome: 'verified',
    cuidHex: i.toString(16).padStart(32, '0'),
    measurementHex: 'ab'.repeat(64),
    imagePhkhHex: 'cd'.repeat(32),
  });
  return {
    listGuests: async () => guests,
    listHistory: async (q) => ({
      offset: q.offset,
      total: historyTotal,
      items: Array.from({ length: Math.max(0, Math.min(q.limit, historyTotal - q.offset)) }, (_, k) =>
        row(q.offset + k),
      ),
    }),
    getGuest: notUsed,
    addGuest: notUsed,
    editGuest: notUsed,
    removeGuest: notUsed,
    importTrust: notUsed,
    listTrust: notUsed,
    removeTrust: notUsed,
    trustDependents: notUsed,
    restoreTrust: notUsed,
    guestTimeline: notUsed,
    runAttestation: notUsed,
    attestFleet: notUsed,
    listReleases: notUsed,
    configureRelease: notUsed,
    runRelease: notUsed,
    getAttestation: notUsed,
    exportEvidence: notUsed,
    evidenceDefaults: notUsed,
    exportAttestationReport: notUsed,
  };
}

function post(bridge: WebBridge, cookie: string, channel: string, body: unknown): Promise<number> {
  const url = new URL(bridge.origin);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(url.port),
        method: 'POST',
        path: `/api/call/${channel}`,
        headers: { 'Content-Type': 'application/json', Origin: bridge.origin, Cookie: cookie },
      },
      (res) => {
        let size = 0;
        res.on('data', (c: Buffer) => (size += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(size) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function exchange(bridge: WebBridge): Promise<string> {
  const url = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: Number(url.port), path: `/${url.search}` }, (res) => {
      res.resume();
      const c = res.headers['set-cookie']?.[0];
      if (res.statusCode === 303 && c) resolve(c.split(';')[0]!);
      else reject(new Error('token exchange failed'));
    })
      .on('error', reject)
      .end();
  });
}

async function measure(op: string, count: number, fn: (i: number) => Promise<number>): Promise<object> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += await fn(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    op,
    ops: count,
    ops_per_s: Math.round(count / seconds),
    ms_per_op: +((seconds * 1000) / count).toFixed(3),
    bytes_per_op: Math.round(bytes / count),
  };
}

/**
 * The first screen in Chromium (web mode, real services, temp database): from opening the sign-in URL to the
 * Guests screen interactive, on an empty store and with 100,000 stored attestations. Needs Debian's Chromium.
 */
async function firstScreen(): Promise<object[]> {
  const { browserSkipReason, openFlowSession, openGuestsTable } = await import('../test/e2e/workstation-flow.js');
  const { createRealScenario } = await import('../test/e2e/real-scenario.js');
  const skip = browserSkipReason();
  if (skip) return [{ op: 'ui-first-screen', skipped: skip }];
  const out: object[] = [];
  for (const stored of [0, 100_000]) {
    const session = await openFlowSession(createRealScenario, 'bench');
    try {
      if (stored > 0) await session.scenario.seedStoredAttestations!(stored);
      const t0 = performance.now();
      if (stored === 0) {
        await session.open();
        await session.page.getByRole('region', { name: 'No guests yet' }).waitFor();
      } else await openGuestsTable(session);
      const ms = Math.round(performance.now() - t0);
      out.push({ op: 'ui-first-screen', stored_attestations: stored, ms, goal_ms: 1500 });
    } finally {
      await session.close();
    }
  }
  return out;
}

/** Runs the UI shell benchmarks. */
export async function runUiBench(): Promise<object[]> {
  return [...(await bridgeRoundTrips()), ...(await firstScreen())];
}

async function bridgeRoundTrips(): Promise<object[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sea-bench-ui-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html>');
  const bridge = await startWebBridge({ port: memoryPort(500, 100_000), staticDir: dir });
  try {
    const cookie = await exchange(bridge);
    return [
      await measure('ui-bridge-history-page-100', 300, (i) =>
        post(bridge, cookie, 'history:list', { guestId: 'g0', offset: (i * 100) % 99_900, limit: 100 }),
      ),
      await measure('ui-bridge-guests-list-500', 200, () => post(bridge, cookie, 'guests:list', {})),
      await measure('ui-bridge-invalid-payload', 300, () =>
        post(bridge, cookie, 'history:list', { offset: -1, limit: 100 }).catch(() => 0),
      ),
    ];
  } finally {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  }
}
