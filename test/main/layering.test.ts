/**
 * The layer table of ../shared/ARCHITECTURE.md as a check: which folders of main/ may import which, and which
 * packages. In particular the engine stays pure (no Electron, fs, network, ssh2 or SQLite inside it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

/**
 * Per layer: the project folders it may import (besides itself), single files of other layers it may import
 * (`files`, repository paths), and the packages it may use.
 */
const RULES: Record<
  string,
  { layers: readonly string[]; files?: readonly string[]; packages: (spec: string) => boolean }
> = {
  // @peculiar/x509 with its own ASN.1 layer (asn1-schema, asn1-x509: the extension values, without a re-parse)
  'main/engine': {
    layers: ['shared'],
    packages: (p) =>
      ['node:crypto', '@peculiar/x509', '@peculiar/asn1-schema', '@peculiar/asn1-x509', 'reflect-metadata'].includes(p),
  },
  // Node file-system helpers shared by the store, services and CLI: bounded and positioned reads, secret files
  'main/fs': { layers: ['shared'], packages: (p) => p.startsWith('node:') },
  // the store records verdicts with the engine's pure verdict function (judgeAttestation), and nothing else of it
  'main/store': {
    layers: ['shared', 'main/fs'],
    files: ['main/engine/attest/verdict.ts'],
    packages: (p) => p === 'better-sqlite3' || p.startsWith('node:'),
  },
  'main/transport': { layers: ['shared'], packages: (p) => p === 'ssh2' || p.startsWith('node:') },
  'main/services': {
    layers: ['shared', 'main/engine', 'main/fs', 'main/store', 'main/transport'],
    packages: (p) =>
      p.startsWith('node:') ||
      p === 'ajv/dist/2020.js' ||
      ['pdfkit', 'yazl', 'yauzl', 'fflate', '@peculiar/x509', 'reflect-metadata'].includes(p),
  },
  'main/ipc': { layers: ['shared'], packages: (p) => p.startsWith('node:') || ['electron', 'zod'].includes(p) },
  'main/web': { layers: ['shared', 'main/ipc'], packages: (p) => p.startsWith('node:') },
  // tsx only when the worker pool runs from TypeScript sources (tests, bench)
  'main/sim': {
    layers: ['shared', 'main/engine', 'main/transport'],
    packages: (p) => p.startsWith('node:') || p === 'ssh2' || p === 'tsx/esm/api',
  },
  shared: { layers: [], packages: () => false },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.ts$/.test(name) ? [full] : [];
  });
}

/** The layer (a RULES key, or main/<folder>) a repository path belongs to. */
function layerOf(path: string): string {
  const rel = relative(ROOT, path);
  if (rel.startsWith('shared/')) return 'shared';
  const m = /^main\/([^/]+)\//.exec(rel);
  return m ? `main/${m[1]}` : rel;
}

test('each layer of main/ and shared/ imports only what the architecture allows', () => {
  const offenders: string[] = [];
  let checked = 0;
  for (const [layer, rule] of Object.entries(RULES)) {
    for (const file of files(join(ROOT, layer))) {
      checked++;
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        if (spec.startsWith('.')) {
          const path = resolve(dirname(file), spec);
          const target = layerOf(path);
          const allowedFile = rule.files?.includes(relative(ROOT, path).replace(/\.js$/, '.ts')) ?? false;
          if (target !== layer && !rule.layers.includes(target) && !allowedFile)
            offenders.push(`${relative(ROOT, file)} → ${spec} (${target})`);
        } else if (!rule.packages(spec)) {
          offenders.push(`${relative(ROOT, file)} → package ${spec}`);
        }
      }
    }
  }
  assert.ok(checked > 80, `sources found (${checked})`);
  assert.deepEqual(offenders, []);
});

test('the check notices a forbidden import (the engine reaching for fs or SQLite)', () => {
  const rule = RULES['main/engine']!;
  assert.equal(rule.packages('node:fs'), false);
  assert.equal(rule.packages('better-sqlite3'), false);
  assert.equal(rule.packages('ssh2'), false);
  assert.equal(rule.packages('electron'), false);
  assert.equal(layerOf(join(ROOT, 'main/store/store.ts')), 'main/store');
  assert.equal(rule.layers.includes('main/store'), false);
  // the store may use the pure verdict function only, not the rest of the engine
  assert.deepEqual(RULES['main/store']!.files, ['main/engine/attest/verdict.ts']);
  assert.equal(RULES['main/store']!.layers.includes('main/engine'), false);
  assert.equal(rule.layers.includes('main/fs'), false, 'the engine reads no files, not even through main/fs');
  assert.equal(RULES['main/fs']!.layers.includes('main/engine'), false, 'main/fs sits below the engine');
  assert.equal(RULES['main/fs']!.packages('better-sqlite3'), false);
});
