/**
 * `node scripts/start.mjs --web` (what `npm start` runs without an Electron runtime) prints exactly
 * `SE Attestation Workstation: http://127.0.0.1:PORT/?token=...` and serves the UI behind that token.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawRequest } from '../web/bridge-client.js';

const ROOT = new URL('../../', import.meta.url).pathname;

test('start in web mode prints the token URL and serves the renderer behind it', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sea-start-'));
  const child = spawn(process.execPath, ['scripts/start.mjs', '--web', '--db', join(dir, 'workstation.db')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const first = out.split('\n').find((l) => l.startsWith('SE Attestation Workstation: '));
        if (first) resolve(first);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(line, /^SE Attestation Workstation: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const url = new URL(line.slice('SE Attestation Workstation: '.length));
    const exchange = await rawRequest(url.origin, { path: `/${url.search}` });
    assert.equal(exchange.status, 303);
    const cookie = String(exchange.headers['set-cookie']).split(';')[0]!;
    const index = await rawRequest(url.origin, { path: '/', headers: { Cookie: cookie } });
    assert.equal(index.status, 200);
    assert.match(index.text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'/);
    assert.match(index.text, /<script src="\.\/app\.js"><\/script>/);
    const app = await rawRequest(url.origin, { path: '/app.js', headers: { Cookie: cookie } });
    assert.equal(app.status, 200);
    assert.match(String(app.headers['content-type']), /^text\/javascript/);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
});
