/**
 * Layer rules of the renderer (ARCHITECTURE.md): renderer/** never imports main/**, electron or node:*;
 * only renderer/api/ touches the bridge (window.attest, fetch, EventSource); no secret-shaped fields in the
 * contract types.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(name) ? [full] : [];
  });
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

test('renderer never imports main/**, electron or node built-ins', () => {
  const offenders: string[] = [];
  const renderer = files(join(ROOT, 'renderer'));
  assert.ok(renderer.length > 15, 'renderer sources found');
  for (const file of renderer) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (
        spec.startsWith('node:') ||
        spec === 'electron' ||
        /(^|\/)main\//.test(spec) ||
        ['fs', 'path', 'crypto', 'child_process', 'os'].includes(spec)
      ) {
        offenders.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('only renderer/api/ touches window.attest, fetch or EventSource', () => {
  const offenders: string[] = [];
  for (const file of files(join(ROOT, 'renderer'))) {
    if (relative(ROOT, file).startsWith('renderer/api/')) continue;
    const text = readFileSync(file, 'utf8');
    if (/window\.attest|\bfetch\(|EventSource|ipcRenderer|BRIDGE_GLOBAL/.test(text))
      offenders.push(relative(ROOT, file));
  }
  assert.deepEqual(offenders, []);
});

test('contract types carry no secret-shaped fields', () => {
  const text =
    readFileSync(join(ROOT, 'shared/types/ui.ts'), 'utf8') + readFileSync(join(ROOT, 'shared/contract.ts'), 'utf8');
  const fields = [...text.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]!.toLowerCase());
  assert.ok(fields.length > 50);
  assert.deepEqual(
    fields.filter((f) => /arpk|privatekey|passphrase|password|secret(?!store)|measurementkey/.test(f)),
    [],
  );
});
