/**
 * Issue 13 ("A CLI that starts fast"): the shipped CLI's code cache (main/cli/code-cache.ts) speeds up a script
 * it can trust and is ignored otherwise — a stale, altered, torn, foreign, group-writable or symlinked cache file
 * never runs, V8's own refusal is noticed, caches are written atomically with mode 0644, and a place that cannot
 * be written only means no cache. Scripts here are small fixtures in a temporary bundle folder.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { codeCacheDirFor, CODE_CACHE_ENV, ScriptLoader } from '../../main/cli/code-cache.js';
import { tempDir } from '../support/cli.js';

const CODE_CACHE_MODULE = new URL('../../main/cli/code-cache.ts', import.meta.url).href;
/** tsx's loader, by URL (the child runs the TypeScript source). */
const TSX = import.meta.resolve('tsx');
const tmp = tempDir('se-attest-code-cache-');
after(() => tmp.cleanup());

let n = 0;
/** A bundle folder with an entry script that requires a sibling, a package and Node built-in. */
function bundle(): { dir: string; cache: string } {
  const dir = join(tmp.dir, `bundle-${n++}`);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(
    join(dir, 'entry.cjs'),
    [
      "const helper = require('./lib/helper.cjs');",
      "const { basename } = require('node:path');",
      'exports.answer = () => helper.twice(21);',
      'exports.name = () => basename(__filename);',
      'exports.url = __seAttestImportMetaUrl;',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'lib/helper.cjs'), 'exports.twice = (x) => x * 2;\n');
  return { dir, cache: join(dir, 'code-cache') };
}

type Entry = { answer(): number; name(): string; url: string };

function load(dir: string, cacheDir: string | undefined): { loader: ScriptLoader; entry: Entry } {
  const loader = new ScriptLoader({ dir, cacheDir });
  return { loader, entry: loader.require('./entry.cjs') as Entry };
}

/**
 * Loads the bundle in a child process (calling `more()`, which loads lib/extra.cjs, when asked), flushes, and
 * returns its states.
 */
function statesInChild(dir: string, cacheDir: string, more = false): string[] {
  const script = [
    `import { ScriptLoader } from ${JSON.stringify(CODE_CACHE_MODULE)};`,
    `const loader = new ScriptLoader({ dir: ${JSON.stringify(dir)}, cacheDir: ${JSON.stringify(cacheDir)} });`,
    "const entry = loader.require('./entry.cjs');",
    'if (entry.answer() !== 42) process.exit(3);',
    `if (${String(more)} && entry.more() !== 9) process.exit(4);`,
    'loader.flush();',
    "console.log(JSON.stringify(loader.loaded().map((s) => `${s.file}:${s.cache}${s.written ? '+written' : ''}`)));",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const states = (l: ScriptLoader) => l.loaded().map((s) => `${s.file}:${s.cache}${s.written ? '+written' : ''}`);
const cacheFiles = (cache: string) => readdirSync(cache).sort();
const entryCache = (cache: string) =>
  join(
    cache,
    cacheFiles(cache).find((f) => f.startsWith('entry.cjs-'))!,
  );

describe('the CLI code cache (main/cli/code-cache.ts)', () => {
  test('first run compiles and writes 0644 caches atomically; the second run uses them', () => {
    const b = bundle();
    const umask = process.umask(0o077); // a strict umask must not make the cache unreadable for others
    try {
      const first = load(b.dir, b.cache);
      assert.equal(first.entry.answer(), 42);
      assert.equal(first.entry.name(), 'entry.cjs');
      assert.equal(first.entry.url, `file://${join(b.dir, 'entry.cjs')}`);
      first.loader.flush();
      assert.deepEqual(states(first.loader), ['entry.cjs:absent+written', 'lib/helper.cjs:absent+written']);
    } finally {
      process.umask(umask);
    }
    const files = cacheFiles(b.cache);
    assert.equal(files.length, 2, files.join());
    assert.ok(
      files.every((f) => f.endsWith(`-${process.version}-${process.arch}.v8cache`)),
      'no temporary file left',
    );
    for (const f of files) assert.equal(statSync(join(b.cache, f)).mode & 0o777, 0o644, f);
    const second = load(b.dir, b.cache);
    assert.equal(second.entry.answer(), 42);
    second.loader.flush();
    assert.deepEqual(states(second.loader), ['entry.cjs:accepted', 'lib/helper.cjs:accepted']);
  });

  test('a rebuilt script of the same length never runs the old cache (V8 checks only the length)', () => {
    const b = bundle();
    load(b.dir, b.cache).loader.flush();
    const helper = join(b.dir, 'lib/helper.cjs');
    const old = readFileSync(helper, 'utf8');
    const rebuilt = old.replace('x * 2', 'x + 2');
    assert.equal(rebuilt.length, old.length);
    writeFileSync(helper, rebuilt);
    const run = load(b.dir, b.cache);
    assert.equal(run.entry.answer(), 23, 'the new source ran');
    run.loader.flush();
    assert.deepEqual(states(run.loader), ['entry.cjs:accepted', 'lib/helper.cjs:refused+written']);
    assert.deepEqual(states(load(b.dir, b.cache).loader), ['entry.cjs:accepted', 'lib/helper.cjs:accepted']);
  });

  test('an altered or torn cache file is refused before V8 sees it, and replaced', () => {
    const b = bundle();
    load(b.dir, b.cache).loader.flush();
    const file = entryCache(b.cache);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(file, bytes);
    const altered = load(b.dir, b.cache);
    assert.equal(altered.entry.answer(), 42);
    altered.loader.flush();
    assert.deepEqual(states(altered.loader), ['entry.cjs:refused+written', 'lib/helper.cjs:accepted']);
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    assert.deepEqual(states(load(b.dir, b.cache).loader), ['entry.cjs:refused', 'lib/helper.cjs:accepted']);
  });

  test("V8's refusal (a well-formed cache of another script) is noticed and the cache replaced", () => {
    const b = bundle();
    const first = load(b.dir, b.cache);
    first.loader.flush();
    // the helper's cache data under a header naming the entry's source: passes our checks, not V8's
    const entryFile = entryCache(b.cache);
    const helperFile = join(
      b.cache,
      cacheFiles(b.cache).find((f) => f.startsWith('lib_helper.cjs-'))!,
    );
    const entry = readFileSync(entryFile);
    const helper = readFileSync(helperFile);
    const magic = 'se-attest V8 code cache 2\n'.length;
    const data = helper.subarray(magic + 64);
    const forged = Buffer.concat([entry.subarray(0, magic + 32), helper.subarray(magic + 32, magic + 64), data]);
    writeFileSync(entryFile, forged);
    // in a fresh process: this one's V8 compilation cache would serve the entry before any cached data is read
    assert.deepEqual(statesInChild(b.dir, b.cache), ['entry.cjs:rejected+written', 'lib/helper.cjs:accepted']);
    assert.deepEqual(statesInChild(b.dir, b.cache), ['entry.cjs:accepted', 'lib/helper.cjs:accepted']);
  });

  test('a run on another path rewrites the caches it used, once, and they then hold both paths', () => {
    const b = bundle();
    writeFileSync(
      join(b.dir, 'entry.cjs'),
      readFileSync(join(b.dir, 'entry.cjs'), 'utf8') +
        "\nexports.more = () => { const s = []; for (let i = 0; i < 3; i++) s.push(require('./lib/extra.cjs').three() * i); return s.reduce((a, c) => a + c, 0); };\n",
    );
    writeFileSync(join(b.dir, 'lib/extra.cjs'), 'exports.three = () => 3;\n');
    const size = () => statSync(entryCache(b.cache)).size;
    // path A: the entry and the helper
    assert.deepEqual(statesInChild(b.dir, b.cache, false), [
      'entry.cjs:absent+written',
      'lib/helper.cjs:absent+written',
    ]);
    const sizeA = size();
    // path B loads a file path A did not: the caches it used are rewritten, with what B compiled (`more`)
    assert.deepEqual(statesInChild(b.dir, b.cache, true), [
      'entry.cjs:accepted+written',
      'lib/helper.cjs:accepted+written',
      'lib/extra.cjs:absent+written',
    ]);
    assert.ok(size() > sizeA, `the entry's cache grew: ${sizeA} → ${size()}`);
    // from now on both paths run from the caches and write nothing
    for (const more of [false, true, false])
      assert.ok(
        statesInChild(b.dir, b.cache, more).every((st) => st.endsWith(':accepted')),
        `more=${String(more)}`,
      );
  });

  test('a group-writable cache file or a symlink is never used', () => {
    const b = bundle();
    load(b.dir, b.cache).loader.flush();
    const file = entryCache(b.cache);
    chmodSync(file, 0o664);
    assert.deepEqual(states(load(b.dir, b.cache).loader), ['entry.cjs:refused', 'lib/helper.cjs:accepted']);
    chmodSync(file, 0o644);
    renameSync(file, `${file}.real`);
    symlinkSync(`${file}.real`, file);
    const run = load(b.dir, b.cache);
    assert.equal(run.entry.answer(), 42);
    assert.deepEqual(states(run.loader), ['entry.cjs:refused', 'lib/helper.cjs:accepted']);
  });

  test('a cache place that cannot be written only means no cache', () => {
    const b = bundle();
    writeFileSync(join(b.dir, 'not-a-dir'), '');
    const run = load(b.dir, join(b.dir, 'not-a-dir', 'cache'));
    assert.equal(run.entry.answer(), 42);
    run.loader.flush();
    assert.deepEqual(states(run.loader), ['entry.cjs:absent', 'lib/helper.cjs:absent']);
    if (process.getuid?.() !== 0) {
      // a read-only folder (root ignores the mode bits, hence the case above)
      const ro = join(b.dir, 'ro');
      mkdirSync(ro, { mode: 0o555 });
      const r = load(b.dir, ro);
      r.loader.flush();
      assert.deepEqual(states(r.loader), ['entry.cjs:absent', 'lib/helper.cjs:absent']);
    }
    const off = load(b.dir, undefined);
    assert.equal(off.entry.answer(), 42);
    off.loader.flush();
    assert.deepEqual(states(off.loader), ['entry.cjs:disabled', 'lib/helper.cjs:disabled']);
  });

  test('the place: beside the bundle by default, $SE_ATTEST_CODE_CACHE, or off; nothing outside the bundle', () => {
    assert.equal(codeCacheDirFor({}, '/opt/x/dist/cli'), '/opt/x/dist/cli/code-cache');
    assert.equal(codeCacheDirFor({ [CODE_CACHE_ENV]: '/var/cache/se' }, '/opt/x'), '/var/cache/se');
    assert.equal(codeCacheDirFor({ [CODE_CACHE_ENV]: 'off' }, '/opt/x'), undefined);
    const b = bundle();
    const loader = new ScriptLoader({ dir: join(b.dir, 'lib'), cacheDir: undefined });
    assert.throws(() => loader.require('../entry.cjs'), /not a file of the CLI bundle/);
  });
});
