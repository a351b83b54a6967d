/**
 * package.json says what the product needs at run time (issue 13): every package the shipped code imports
 * (main/, shared/, renderer/, bin/) is a runtime dependency, and every runtime dependency is imported by it;
 * what only tests, benchmarks or scripts use is a devDependency. One zip writer (fflate) and one zip reader
 * (yauzl) ship.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { importsOf, packageOf, sourceFiles } from '../support/layering.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Packages the shipped code imports that are rightly not runtime dependencies, and why. */
const PROVIDED: Record<string, string> = {
  electron: 'the runtime the app runs in (a devDependency by the house rules; electron-builder ships it)',
  tsx: 'loaded by the simulated-guest worker pool only when it runs from TypeScript sources (tests, bench)',
};

/** Package → the shipped files importing it. */
function shippedImports(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const top of ['main', 'shared', 'renderer', 'bin'])
    for (const file of sourceFiles(join(ROOT, top)))
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const name = packageOf(spec);
        out.set(name, [...(out.get(name) ?? []), file.slice(ROOT.length)]);
      }
  return out;
}

test('every package the shipped code imports is a runtime dependency (or provided, with the reason)', () => {
  const used = shippedImports();
  assert.ok(used.size > 10, `imports found (${used.size})`);
  const missing = [...used.keys()].filter((p) => !(p in pkg.dependencies) && !(p in PROVIDED));
  assert.deepEqual(
    missing.map((p) => `${p} (${used.get(p)!.join(', ')})`),
    [],
    'imported by shipped code but not in dependencies',
  );
  for (const p of Object.keys(PROVIDED)) assert.ok(p in pkg.devDependencies, `${p} is a devDependency`);
});

test('every runtime dependency is imported by the shipped code (test-only packages are devDependencies)', () => {
  const used = shippedImports();
  assert.deepEqual(
    Object.keys(pkg.dependencies).filter((p) => !used.has(p)),
    [],
    'runtime dependencies nothing shipped imports',
  );
});

test('one zip writer for the project: fflate (bundles and the tests that craft zips); no yazl', () => {
  assert.ok('fflate' in pkg.dependencies);
  assert.ok(!('yazl' in pkg.dependencies) && !('yazl' in pkg.devDependencies));
});
