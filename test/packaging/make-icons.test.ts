// The committed icons in assets/ are exactly what scripts/make-icons.mjs draws: regenerating them into a
// temporary folder gives byte-identical files, so nobody edits a generated icon by hand and loses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Lists the files under dir, relative to it, recursively and sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test('assets/ icons are reproducible from scripts/make-icons.mjs', async () => {
  const out = await mkdtemp(join(tmpdir(), 'se-attest-icons-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts/make-icons.mjs'), '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const generated = await listFiles(out);
    assert.ok(
      generated.includes('icon.ico') && generated.includes('icon.icns') && generated.includes('icons/16x16.png'),
    );
    const committed = (await listFiles(join(root, 'assets'))).filter((f) => !f.startsWith('cli/'));
    assert.deepEqual(committed, generated);
    for (const f of generated) {
      assert.ok((await readFile(join(out, f))).equals(await readFile(join(root, 'assets', f))), `${f} differs`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
