/**
 * main/fs writeSecretFile (issue 12, "Files"): a secret file is always a new 0600 file renamed into place — an
 * existing 0644 file ends up 0600 — and never written through a symlink: a symlink target is refused and both
 * the link and what it points to stay as they were.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { after, describe, test } from 'node:test';
import { writeSecretFile } from '../../main/fs/index.js';
import { isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import { tempDir } from '../support/cli.js';

const tmp = tempDir('se-attest-secret-');
after(() => tmp.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;

function assertCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isAttestError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

/** No temporary file is left beside the target. */
function noLeftovers(dir: string): void {
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
  );
}

describe('writeSecretFile', () => {
  test('a new file is 0600, whatever the umask allows', () => {
    const old = process.umask(0o000);
    try {
      writeSecretFile(tmp.path('new.key'), new Uint8Array([1, 2, 3]));
    } finally {
      process.umask(old);
    }
    assert.equal(mode(tmp.path('new.key')), 0o600);
    assert.deepEqual([...readFileSync(tmp.path('new.key'))], [1, 2, 3]);
    noLeftovers(tmp.dir);
  });
  test('an existing 0644 file is replaced by a new 0600 one (its mode does not carry over)', () => {
    const p = tmp.path('old.key');
    writeFileSync(p, 'old contents');
    chmodSync(p, 0o644);
    const inodeBefore = statSync(p).ino;
    writeSecretFile(p, 'secret');
    assert.equal(mode(p), 0o600);
    assert.equal(readFileSync(p, 'utf8'), 'secret');
    assert.notEqual(statSync(p).ino, inodeBefore, 'a new file, renamed into place');
    noLeftovers(tmp.dir);
  });
  test('a symlink target is refused; the link and its target are untouched', () => {
    const target = tmp.path('victim.txt');
    writeFileSync(target, 'not yours');
    chmodSync(target, 0o644);
    const link = tmp.path('link.key');
    symlinkSync(target, link);
    assertCode(() => writeSecretFile(link, 'secret'), 'ERR_FS_SYMLINK');
    assert.equal(readFileSync(target, 'utf8'), 'not yours');
    assert.equal(mode(target), 0o644);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), target);
    // a dangling link too: nothing is created where it points
    symlinkSync(tmp.path('would-be-created'), tmp.path('dangling.key'));
    assertCode(() => writeSecretFile(tmp.path('dangling.key'), 'secret'), 'ERR_FS_SYMLINK');
    assert.throws(() => statSync(tmp.path('would-be-created')));
    noLeftovers(tmp.dir);
  });
  test('a directory, a FIFO or a missing folder: coded errors, nothing left behind', () => {
    mkdirSync(tmp.path('adir'));
    assertCode(() => writeSecretFile(tmp.path('adir'), 'x'), 'ERR_FS_IS_DIRECTORY');
    execFileSync('mkfifo', [tmp.path('pipe')]);
    assertCode(() => writeSecretFile(tmp.path('pipe'), 'x'), 'ERR_FS_NOT_REGULAR_FILE');
    assertCode(() => writeSecretFile(tmp.path('no/such/folder/k'), 'x'), 'ERR_FS_WRITE');
    noLeftovers(tmp.dir);
  });
  test('replace: false creates the file once and leaves an existing one (of anyone) as it is', () => {
    const p = tmp.path('once.key');
    assert.equal(writeSecretFile(p, 'first', { replace: false }), true);
    assert.equal(writeSecretFile(p, 'second', { replace: false }), false);
    assert.equal(readFileSync(p, 'utf8'), 'first');
    assert.equal(mode(p), 0o600);
    symlinkSync(tmp.path('victim2'), tmp.path('once-link.key'));
    assert.equal(writeSecretFile(tmp.path('once-link.key'), 'x', { replace: false }), false);
    assert.throws(() => statSync(tmp.path('victim2')), 'nothing written through the link');
    noLeftovers(tmp.dir);
  });
});
