// scripts/dist.mjs (`npm run dist`) must stop before building anything, with a clear message, where the
// Electron runtime cannot be downloaded or another OS is asked for. The download goes to a local 127.0.0.1
// mirror that answers 404, with an empty @electron/get cache, so the test needs no network.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Runs scripts/dist.mjs with extra environment and arguments; resolves with exit code and output. */
function runDist(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts/dist.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('scripts/dist.mjs', () => {
  test('fails fast with a clear message when the Electron runtime cannot be downloaded', async () => {
    const requested: string[] = [];
    const server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cache = await mkdtemp(join(tmpdir(), 'se-attest-dist-test-'));
    try {
      const { port } = server.address() as AddressInfo;
      const version = (
        JSON.parse(await readFile(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
      ).version;
      const r = await runDist([], {
        ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
        XDG_CACHE_HOME: cache,
        HOME: cache,
        ELECTRON_GET_NO_PROGRESS: '1',
      });
      assert.equal(r.code, 1, r.err);
      const zip = `electron-v${version}-${process.platform}-${process.arch}.zip`;
      assert.ok(
        requested.some((u) => u.endsWith(`/${zip}`)),
        `asked the mirror for ${zip}: ${requested.join(', ')}`,
      );
      assert.match(
        r.err,
        new RegExp(
          `^npm run dist: the Electron ${version.replaceAll('.', '\\.')} runtime \\(${zip}\\) could not be downloaded`,
        ),
      );
      assert.match(r.err, /404/);
      assert.match(r.err, /Nothing was built\./);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
      assert.match(r.out, /\[dist\] 1\/5 fetching the Electron/);
      assert.doesNotMatch(r.out, /\[dist\] 2\/5/, 'stopped before compiling');
    } finally {
      server.close();
      await rm(cache, { recursive: true, force: true });
    }
  });

  test('refuses to package for another OS, since native modules are compiled on the target OS', async () => {
    const other = process.platform === 'win32' ? '--linux' : '--win';
    const r = await runDist([other], {});
    assert.equal(r.code, 1);
    assert.match(r.err, /^npm run dist: cannot package for (win32|linux) on /);
    assert.equal(r.out, '', 'nothing started');
  });
});
