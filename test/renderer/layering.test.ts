/**
 * Layer rules of the renderer (ARCHITECTURE.md): renderer/** never imports main/**, electron or node:*; only
 * renderer/api/ touches the bridge (window.attest, fetch, EventSource) and imports nothing but shared/; stores
 * (renderer/state/) use the api; views use stores and components, never the api; components are presentational
 * (props in, callbacks out) and read no store. Issue 13: the table is checked on the real tree and shown to fail
 * on a fixture tree (a view importing renderer/api, a component importing a store, api importing main/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { checkLayers, type LayerTable } from '../support/layering.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = fileURLToPath(new URL('../main/fixtures/layering/', import.meta.url));

/** Per folder of renderer/: the paths it may import from (besides itself) and the packages it may use. */
const RENDERER_LAYERS: LayerTable = {
  'renderer/api': { may: ['shared'], packages: [] },
  'renderer/state': { may: ['shared', 'renderer/api'], packages: ['zustand', 'react'] },
  'renderer/views': { may: ['shared', 'renderer/state', 'renderer/components'], packages: ['zustand', 'react'] },
  'renderer/components': { may: ['shared'], packages: ['react', 'd3-scale'] },
  // the entry point wires the client into the stores and mounts the app
  'renderer/index.tsx': {
    may: ['shared', 'renderer/api', 'renderer/state', 'renderer/views', 'renderer/styles'],
    packages: ['react', 'react-dom'],
  },
  'renderer/assets.d.ts': { may: [], packages: [] },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.tsx?$/.test(name) ? [full] : [];
  });
}

test('each folder of renderer/ imports only what the architecture allows (never main/**, electron or node:*)', () => {
  const report = checkLayers(ROOT, RENDERER_LAYERS);
  assert.ok(report.checked > 30, `sources found (${report.checked})`);
  assert.deepEqual(report.offenders, []);
  assert.deepEqual(report.unruled, [], 'every source file of renderer/ belongs to a layer of the table');
  assert.deepEqual(report.empty, [], 'every layer of the table holds source files');
});

test('the check fails on a fixture tree: a view importing renderer/api, a component a store, api main/', () => {
  const report = checkLayers(FIXTURE, RENDERER_LAYERS);
  assert.deepEqual(report.offenders, [
    'renderer/api/leak.ts → main/store/store.ts (renderer/api may not import a path outside every layer)',
    'renderer/api/leak.ts → package node:fs (renderer/api may not use it)',
    'renderer/components/badge.tsx → renderer/state/guests.ts (renderer/components may not import renderer/state)',
    'renderer/views/guests-view.tsx → renderer/api/client.ts (renderer/views may not import renderer/api)',
  ]);
  assert.equal(report.checked, 5);
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
