/**
 * Issue 12 ("Files"): `create -a FILE` writes the ARPK as a new 0600 file renamed into place — an existing 0644
 * file is 0600 afterwards, holding the new key — and never through a symlink: a symlink `-a` is refused before
 * anything is written, and the file it points to is left as it was.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cli, tempDir } from '../support/cli.js';
import { INTEROP } from '../support/vectors.js';

const tmp = tempDir('se-attest-secret-cli-');
after(() => tmp.cleanup());
const HKD = join(INTEROP, 'keys/hostA.crt');
const create = (arpk: string, out: string) =>
  cli(tmp.dir, 'create', '-k', HKD, '--no-verify', '-q', '-a', arpk, '-o', out);

describe('create -a: the ARPK file (issue 12)', () => {
  test('an existing 0644 file ends up 0600 with the new key (was: 0644 kept, ARPK inside)', async () => {
    const arpk = tmp.path('old.arpk');
    writeFileSync(arpk, 'an old file anyone may read');
    chmodSync(arpk, 0o644);
    const run = await create(arpk, tmp.path('req1.bin'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(arpk).mode & 0o777, 0o600);
    assert.equal(statSync(arpk).size, 32);
  });
  test('a symlink is refused (ERR_FS_SYMLINK) before anything is written; its target is untouched', async () => {
    const target = tmp.path('victim');
    writeFileSync(target, 'precious');
    chmodSync(target, 0o644);
    const link = tmp.path('link.arpk');
    symlinkSync(target, link);
    const run = await create(link, tmp.path('req2.bin'));
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: Refusing to write a secret to `.*link\.arpk`: it is a symbolic link.*\(ERR_FS_SYMLINK\)\n$/,
    );
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.equal(statSync(target).mode & 0o777, 0o644);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(existsSync(tmp.path('req2.bin')), false, 'no request without its ARPK');
  });
  test('a directory as -a: a coded error, nothing written', async () => {
    mkdirSync(tmp.path('adir'));
    const run = await create(tmp.path('adir'), tmp.path('req3.bin'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\(ERR_FS_IS_DIRECTORY\)/);
    assert.equal(existsSync(tmp.path('req3.bin')), false);
  });
});
