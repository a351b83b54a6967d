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
import { after, test } from 'node:test';
import { statSync } from 'node:fs';
import { memoryIo } from '../../main/cli/io.js';
import { runCli } from '../../main/cli/main.js';
import type { GuestSummary, HistoryPage } from '../../shared/types/ui.js';
import { rawRequest } from '../web/bridge-client.js';

/** Instance files of these tests go to a temp folder, never the user's own. */
const RUNTIME_DIR = await mkdtemp(join(tmpdir(), 'sea-start-run-'));
after(() => rm(RUNTIME_DIR, { recursive: true, force: true }));

const ROOT = new URL('../../', import.meta.url).pathname;
const PREFIX = 'SE Attestation Workstation: ';

/** Starts web mode with `args`; resolves with the child and the printed URL. */
async function startWeb(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: URL; line: string }> {
  const child = spawn(process.execPath, ['scripts/start.mjs', '--web', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SE_ATTEST_RUNTIME_DIR: RUNTIME_DIR },
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const first = out.split('\n').find((l) => l.startsWith(PREFIX) || l.includes(' is already running for '));
      if (first) resolve(first);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
  return { child, url: new URL(line.slice(line.lastIndexOf('http://'))), line };
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

test(
  'issue 15: a used link needs no restart: `se-attest open` and a second `npm start` print fresh one-time URLs of the running instance',
  { timeout: 90_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sea-open-'));
    const db = join(dir, 'workstation.db');
    const { child, url } = await startWeb(['--db', db]);
    try {
      const first = await sessionCookie(url);
      const instanceFile = join(RUNTIME_DIR, `${url.port}.json`);
      assert.equal(statSync(instanceFile).mode & 0o777, 0o600, 'the instance file (control secret) is 0600');
      assert.equal(statSync(RUNTIME_DIR).mode & 0o077, 0, 'its folder is private');
      // `se-attest open`: a fresh URL for this instance; the old token stays used.
      const io = memoryIo(dir, { ...process.env, SE_ATTEST_RUNTIME_DIR: RUNTIME_DIR });
      assert.equal(await runCli(['open', '--db', db], io), 0, io.stderr);
      const opened = new URL(/http:\/\/\S+/.exec(io.stdout)![0]);
      assert.equal(opened.origin, url.origin);
      assert.notEqual(opened.search, url.search);
      const second = await sessionCookie(opened);
      assert.notEqual(second, first);
      assert.equal(
        (await rawRequest(url.origin, { path: `/${url.search}` })).status,
        403,
        'the start token stays used',
      );
      // A second start on the same database hands out a URL of the running one instead of starting again.
      const again = await startWeb(['--db', db]);
      assert.match(again.line, /is already running for .*workstation\.db \(pid \d+\): http:/);
      assert.equal(again.url.origin, url.origin);
      await once(again.child, 'exit');
      assert.equal(again.child.exitCode, 0);
      await sessionCookie(again.url);
      // No instance for another database: a coded error, exit 1.
      const none = memoryIo(dir, { ...process.env, SE_ATTEST_RUNTIME_DIR: RUNTIME_DIR });
      assert.equal(await runCli(['open', '--db', join(dir, 'other.db')], none), 1);
      assert.match(none.stderr, /ERR_APP_NO_INSTANCE/);
    } finally {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    }
    assert.throws(() => statSync(join(RUNTIME_DIR, `${url.port}.json`)), 'the instance file is removed on stop');
  },
);
