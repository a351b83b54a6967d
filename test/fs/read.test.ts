/**
 * main/fs readers (issue 12, "Errors without a code"): a directory, a FIFO, /dev/zero and a sparse 5 GiB file get
 * coded errors before anything is read (a FIFO without a writer never blocks), whole-file reads are bounded,
 * and positioned reads see only the bytes asked for.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openFileForReading, readFileBounded, withFileForReading } from '../../main/fs/index.js';
import { isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import { tempDir } from '../support/cli.js';

const tmp = tempDir('se-attest-fs-');
after(() => tmp.cleanup());
const GIB = 1024 ** 3;

/** A sparse file of `size` bytes whose only data is `bytes` at `offset`. */
function sparse(name: string, size: number, offset = 0, bytes = new Uint8Array(0)): string {
  const path = tmp.path(name);
  const fd = openSync(path, 'w');
  try {
    if (bytes.length > 0) writeSync(fd, bytes, 0, bytes.length, offset);
    writeSync(fd, new Uint8Array(1), 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  return path;
}

function fifo(name: string): string {
  const path = tmp.path(name);
  execFileSync('mkfifo', [path]);
  return path;
}

function assertCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('readFileBounded', () => {
  test('reads a regular file, naming it in every error', () => {
    writeFileSync(tmp.path('small.bin'), Buffer.from('hello'));
    assert.equal(Buffer.from(readFileBounded('small.bin', 16, { cwd: tmp.dir })).toString(), 'hello');
    assertCode(
      () => readFileBounded('missing.bin', 16, { cwd: tmp.dir }),
      'ERR_FS_OPEN',
      /Cannot open `missing\.bin`: ENOENT/,
    );
    assertCode(
      () => readFileBounded('small.bin', 4, { cwd: tmp.dir }),
      'ERR_FS_TOO_LARGE',
      /small\.bin: file is 5 bytes/,
    );
  });
  test('a directory is ERR_FS_IS_DIRECTORY (was: a raw EISDIR)', () => {
    assertCode(() => readFileBounded(tmp.dir, 1024), 'ERR_FS_IS_DIRECTORY', /is a directory, not a file/);
  });
  test('a FIFO without a writer is refused at once, never read (no hang)', () => {
    assertCode(() => readFileBounded(fifo('f1'), 1024), 'ERR_FS_NOT_REGULAR_FILE', /it is a FIFO, not a regular file/);
  });
  test('/dev/zero (endless) and /dev/null are devices: refused before reading', () => {
    assertCode(() => readFileBounded('/dev/zero', 1024 * 1024), 'ERR_FS_NOT_REGULAR_FILE', /character device/);
    assertCode(() => readFileBounded('/dev/null', 1024), 'ERR_FS_NOT_REGULAR_FILE');
  });
  test('a sparse 5 GiB file is refused by its size, before a byte is read', () => {
    const big = sparse('big.img', 5 * GIB);
    assertCode(() => readFileBounded(big, 64 * 1024 * 1024), 'ERR_FS_TOO_LARGE', /5368709120 bytes/);
  });
  test('a symlink to a regular file is read; a dangling one is ERR_FS_OPEN', () => {
    writeFileSync(tmp.path('target.txt'), 'through the link');
    symlinkSync(tmp.path('target.txt'), tmp.path('link.txt'));
    assert.equal(Buffer.from(readFileBounded(tmp.path('link.txt'), 100)).toString(), 'through the link');
    symlinkSync(tmp.path('nowhere'), tmp.path('dangling'));
    assertCode(() => readFileBounded(tmp.path('dangling'), 100), 'ERR_FS_OPEN');
  });
});

describe('openFileForReading (positioned reads)', () => {
  test('reads exactly the windows asked for from a sparse 5 GiB file', () => {
    const marker = new Uint8Array(Buffer.from('IBMSecEx'));
    const path = sparse('marked.img', 5 * GIB, 4 * GIB + 0x14000, marker);
    withFileForReading(path, {}, (f) => {
      assert.equal(f.size, 5 * GIB);
      assert.deepEqual(Buffer.from(f.read(4 * GIB + 0x14000, 8)).toString(), 'IBMSecEx');
      assert.deepEqual(f.read(0, 4), new Uint8Array(4));
      assert.equal(f.read(5 * GIB - 2, 10).length, 2, 'short at the end of the file');
      assert.equal(f.read(5 * GIB + 10, 10).length, 0, 'nothing past it');
      assertCode(() => f.read(-1, 4), 'ERR_FS_READ');
    });
  });
  test('the same refusals as readFileBounded; a closed file cannot be read', () => {
    assertCode(() => openFileForReading(tmp.dir), 'ERR_FS_IS_DIRECTORY');
    assertCode(() => openFileForReading(fifo('f2')), 'ERR_FS_NOT_REGULAR_FILE');
    assertCode(() => openFileForReading('/dev/zero'), 'ERR_FS_NOT_REGULAR_FILE');
    assert.equal(existsSync(tmp.path('nope')), false);
    assertCode(() => openFileForReading('nope', { cwd: tmp.dir }), 'ERR_FS_OPEN');
    writeFileSync(tmp.path('c.bin'), 'x');
    const f = openFileForReading(tmp.path('c.bin'));
    f.close();
    assertCode(() => f.read(0, 1), 'ERR_FS_READ');
  });
});
