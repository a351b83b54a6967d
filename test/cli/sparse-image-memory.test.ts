/**
 * Issue 12 ("Memory that grows with the input"): on a sparse 5 GiB SE image, `extract-hdr` (both search modes),
 * `verify --hdr`, `perform --hdr` and `guest add --hdr` read only the header windows, by position: each child's
 * peak RSS (`process.resourceUsage().maxRSS`) stays under 150 MiB, whatever the image size. (Before: extract-hdr
 * failed with `Invalid typed array length: 5368709120`; a 1.2 GiB image took 1.3 GiB of RSS.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../support/cli.js';
import { INTEROP } from '../support/vectors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** tsx's loader, by URL: the child's working directory may lie outside the repository. */
const TSX = import.meta.resolve('tsx');
const tmp = tempDir('se-attest-rss-');
after(() => tmp.cleanup());
const IMAGE = tmp.path('sparse-5g.img');
const HEADER = new Uint8Array(readFileSync(join(INTEROP, 'keys/se.hdr')));
const BOUND_MIB = 150;

before(() => {
  const fd = openSync(IMAGE, 'w');
  try {
    writeSync(fd, HEADER, 0, HEADER.length, 0x14000);
    writeSync(fd, new Uint8Array(1), 0, 1, 5 * 1024 ** 3 - 1);
  } finally {
    closeSync(fd);
  }
});

/** Runs the CLI (from the sources) in a child; returns its exit code, output and peak RSS in MiB. */
function child(...args: string[]): { code: number | null; stdout: string; stderr: string; peakMiB: number } {
  const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'test/support/cli-child.ts'), ...args], {
    cwd: tmp.dir,
    encoding: 'utf8',
  });
  const m = /\nmaxRSS=(\d+)\n$/.exec(r.stderr);
  assert.ok(m, `the child reports its peak RSS: ${r.stderr}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, peakMiB: Number(m[1]) / 1024 };
}

describe('a sparse 5 GiB image: peak RSS independent of its size (issue 12)', { timeout: 300_000 }, () => {
  test('extract-hdr, pvextract-hdr window', () => {
    const r = child('extract-hdr', '-o', 'w.hdr', IMAGE);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "SE header found at offset 0x014000\nSE header written to 'w.hdr' (640 bytes)\n");
    assert.deepEqual(new Uint8Array(readFileSync(tmp.path('w.hdr'))), HEADER);
    assert.ok(r.peakMiB < BOUND_MIB, `peak RSS ${r.peakMiB.toFixed(1)} MiB`);
  });
  test('extract-hdr --search image', () => {
    const r = child('extract-hdr', '--search', 'image', '-o', 'i.hdr', IMAGE);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(tmp.path('i.hdr'))), HEADER);
    assert.ok(r.peakMiB < BOUND_MIB, `peak RSS ${r.peakMiB.toFixed(1)} MiB`);
  });
  test('verify --hdr IMAGE', () => {
    const dir = join(INTEROP, 'image-plain');
    const r = child('verify', '-i', join(dir, 'resp.bin'), '-a', join(dir, 'arp.key'), '--hdr', IMAGE, '-o', 'v.yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(tmp.path('v.yaml'), 'utf8'), readFileSync(join(dir, 'expected.yaml'), 'utf8'));
    assert.ok(r.peakMiB < BOUND_MIB, `peak RSS ${r.peakMiB.toFixed(1)} MiB`);
  });
  test('perform --hdr IMAGE and guest add --hdr IMAGE', () => {
    const p = child(
      'perform',
      '-i',
      join(INTEROP, 'rs-min/req.bin'),
      '-o',
      'resp.bin',
      '--host-key',
      join(INTEROP, 'keys/hostA.key'),
      '--hdr',
      IMAGE,
    );
    assert.equal(p.code, 0, p.stderr);
    assert.ok(p.peakMiB < BOUND_MIB, `perform: peak RSS ${p.peakMiB.toFixed(1)} MiB`);
    const g = child('guest', 'add', 'big', '--db', 'ws.db', '--hdr', IMAGE);
    assert.equal(g.code, 0, g.stderr);
    assert.ok(g.peakMiB < BOUND_MIB, `guest add: peak RSS ${g.peakMiB.toFixed(1)} MiB`);
    const show = child('guest', 'show', 'big', '--db', 'ws.db');
    assert.match(show.stdout, /SE header\s+640 bytes/, 'the bare header is stored, not the image');
  });
});
