/**
 * `node scripts/start.mjs --web` (what `npm start` runs without an Electron runtime) prints exactly
 * `SE Attestation Workstation: http://127.0.0.1:PORT/?token=...` and serves the UI behind that token; with
 * `--demo` it opens the demo workspace (created on first use) with its simulated guests running, so the
 * bridge serves real data: the three demo guests, each attested once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GuestSummary, HistoryPage } from '../../shared/types/ui.js';
import { rawRequest } from '../web/bridge-client.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PREFIX = 'SE Attestation Workstation: ';

/** Starts web mode with `args`; resolves with the child and the printed URL. */
async function startWeb(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: URL; line: string }> {
  const child = spawn(process.execPath, ['scripts/start.mjs', '--web', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const first = out.split('\n').find((l) => l.startsWith(PREFIX));
      if (first) resolve(first);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
  return { child, url: new URL(line.slice(PREFIX.length)), line };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Exchanges the one-time token for the session cookie. */
async function sessionCookie(url: URL): Promise<string> {
  const exchange = await rawRequest(url.origin, { path: `/${url.search}` });
  assert.equal(exchange.status, 303);
  return String(exchange.headers['set-cookie']).split(';')[0]!;
}

async function call<T>(url: URL, cookie: string, channel: string, payload: unknown): Promise<T> {
  const res = await rawRequest(url.origin, {
    method: 'POST',
    path: `/api/call/${channel}`,
    headers: { 'Content-Type': 'application/json', Origin: url.origin, Cookie: cookie },
    body: JSON.stringify(payload),
  });
  assert.equal(res.status, 200, res.text);
  const result = JSON.parse(res.text) as { ok: boolean; value?: T; error?: unknown };
  assert.ok(result.ok, `${channel}: ${JSON.stringify(result.error)}`);
  return result.value as T;
}

test('start in web mode prints the token URL and serves the renderer behind it', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sea-start-'));
  const { child, url, line } = await startWeb(['--db', join(dir, 'workstation.db')]);
  try {
    assert.match(line, /^SE Attestation Workstation: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const cookie = await sessionCookie(url);
    const index = await rawRequest(url.origin, { path: '/', headers: { Cookie: cookie } });
    assert.equal(index.status, 200);
    assert.match(
      index.text,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'/,
    );
    assert.match(index.text, /<script src="\.\/app\.js"><\/script>/);
    const app = await rawRequest(url.origin, { path: '/app.js', headers: { Cookie: cookie } });
    assert.equal(app.status, 200);
    assert.match(String(app.headers['content-type']), /^text\/javascript/);
    // The real store behind it: empty, and a guest added through the bridge is listed.
    assert.deepEqual(await call<GuestSummary[]>(url, cookie, 'guests:list', {}), []);
    await call(url, cookie, 'guests:add', { name: 'web-guest', sshTarget: 'root@192.0.2.1', policy: {} });
    assert.deepEqual(
      (await call<GuestSummary[]>(url, cookie, 'guests:list', {})).map((g) => [g.name, g.status]),
      [['web-guest', 'never']],
    );
  } finally {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'start --demo opens the demo workspace with simulated guests: three guests with real history',
  { timeout: 90_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sea-demo-start-'));
    const demoDir = join(dir, 'demo');
    const { child, url } = await startWeb(['--demo', '--demo-dir', demoDir]);
    try {
      const cookie = await sessionCookie(url);
      const guests = await call<GuestSummary[]>(url, cookie, 'guests:list', {});
      assert.deepEqual(
        guests.map((g) => [g.name, g.status, g.lastAttestation?.outcome]),
        [
          ['analytics', 'failing', 'policy-violation'], // built for host B
          ['ledger', 'failing', 'mismatch'], // tampered measurement
          ['payments', 'verified', 'verified'],
        ],
      );
      for (const g of guests)
        assert.match(g.sshTarget, /^root@127\.0\.0\.1:\d+$/, 'pointed at its running simulated guest');
      const payments = guests.find((g) => g.name === 'payments')!;
      const history = await call<HistoryPage>(url, cookie, 'history:list', {
        guestId: payments.id,
        offset: 0,
        limit: 10,
      });
      assert.equal(history.total, 1);
      const trust = await call<{ kind: string; chainStatus: string }[]>(url, cookie, 'trust:list', {});
      assert.deepEqual(
        trust.filter((t) => t.kind === 'hkd').map((t) => t.chainStatus),
        ['valid', 'valid'],
      );
    } finally {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    }
  },
);
