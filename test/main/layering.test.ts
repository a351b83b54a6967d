/**
 * The layer table of ../shared/ARCHITECTURE.md as a check: which folders of main/ may import which, and which
 * packages, with the deviations the README's architecture section names. In particular the engine stays pure
 * (no Electron, fs, network, ssh2 or SQLite inside it) and the CLI reaches the store only through services.
 * Issue 13: the table covers every folder of main/; the checker is shown to fail on a fixture tree.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { checkLayers, layerOf, type LayerTable } from '../support/layering.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/layering/', import.meta.url));

/** The engine's shared byte helpers, which every engine folder may use. */
const ENGINE_BYTES = 'main/engine/bytes.ts';
/** The ARCB key slot, which add-secret requests share byte for byte. */
const ATTEST_KEY_SLOT = 'main/engine/attest/create.ts';
const X509 = ['@peculiar/x509', '@peculiar/asn1-schema', '@peculiar/asn1-x509', 'reflect-metadata'];

/** Per layer: the paths it may import from (besides itself) and the packages it may use. */
const MAIN_LAYERS: LayerTable = {
  shared: { may: [], packages: [] },
  // the engine's public barrel (index.ts) and byte helpers (bytes.ts)
  'main/engine': { may: ['shared', 'main/engine'], packages: [] },
  'main/engine/formats': { may: ['shared', ENGINE_BYTES], packages: [] },
  'main/engine/crypto': { may: ['shared', ENGINE_BYTES], packages: ['node:crypto'] },
  // @peculiar/x509 with its own ASN.1 layer (asn1-schema, asn1-x509: the extension values, without a re-parse)
  'main/engine/pki': {
    may: ['shared', ENGINE_BYTES, 'main/engine/formats', 'main/engine/crypto'],
    packages: ['node:crypto', ...X509],
  },
  // the software Ultravisor's secret store (attest/secret-store.ts) reads add-secret requests with engine/secret
  'main/engine/attest': {
    may: ['shared', ENGINE_BYTES, 'main/engine/formats', 'main/engine/crypto', 'main/engine/pki', 'main/engine/secret'],
    packages: [],
  },
  // add-secret requests: an add-secret key slot is the ARCB's (attest/create.ts's buildKeySlot, README); user-data
  // signatures and customer private keys through node:crypto's sign/verify and key parsing (no I/O)
  'main/engine/secret': {
    may: ['shared', ENGINE_BYTES, 'main/engine/formats', 'main/engine/crypto', 'main/engine/pki', ATTEST_KEY_SLOT],
    packages: ['node:crypto'],
  },
  // Node file-system helpers shared by the store, services and CLI: bounded and positioned reads, secret files
  'main/fs': { may: ['shared'], packages: ['node:*'] },
  // the store records verdicts with the engine's pure verdict function (judgeAttestation) and hashes rows with its
  // one sha256Hex, and nothing else of it
  'main/store': {
    may: ['shared', 'main/fs', 'main/engine/attest/verdict.ts', 'main/engine/crypto/primitives.ts'],
    packages: ['better-sqlite3', 'node:*'],
  },
  'main/transport': { may: ['shared'], packages: ['ssh2', 'node:*'] },
  'main/services': {
    may: ['shared', 'main/engine', 'main/fs', 'main/store', 'main/transport'],
    packages: ['node:*', 'pdfkit', 'yauzl', 'fflate', 'ajv/dist/2020.js', ...X509],
  },
  // the IPC handlers see the WorkstationPort interface only (main/app/port implements it over the services)
  'main/ipc': { may: ['shared'], packages: ['node:*', 'electron', 'zod'] },
  'main/web': { may: ['shared', 'main/ipc'], packages: ['node:*'] },
  // the Electron and web entry points and the port: everything in main/ except the CLI
  'main/app': {
    may: [
      'shared',
      'main/engine',
      'main/fs',
      'main/store',
      'main/transport',
      'main/services',
      'main/ipc',
      'main/web',
      'main/preload',
      'main/sim',
      'main/demo',
    ],
    packages: ['node:*', 'electron', 'reflect-metadata'],
  },
  // the sandboxed preload: Electron's renderer APIs and the contract, no Node
  'main/preload': { may: ['shared'], packages: ['electron'] },
  // the CLI parses flags, reads and writes files and prints; its use cases are services. Deviations (README):
  // `se-attest demo` runs the demo (main/demo), `se-attest open` finds a running web instance (main/web).
  'main/cli': {
    may: ['shared', 'main/services', 'main/engine', 'main/fs', 'main/demo', 'main/web/instance.ts'],
    // yaml: `secret create --cuid FILE` reads pvattest's verify YAML for the CUID
    packages: ['node:*', 'commander', 'yaml'],
  },
  // the demo workspace (a product feature): simulated guests, trust, store and the services over them
  'main/demo': {
    may: ['shared', 'main/engine', 'main/fs', 'main/services', 'main/store', 'main/transport', 'main/sim'],
    packages: ['node:*', 'reflect-metadata'],
  },
  // simulated secure guests: an ssh2 server with the software Ultravisor; tsx only when the worker pool runs from
  // TypeScript sources (tests, bench)
  'main/sim': { may: ['shared', 'main/engine', 'main/transport'], packages: ['node:*', 'ssh2', 'tsx/esm/api'] },
};

test('each layer of main/ and shared/ imports only what the architecture allows', () => {
  const report = checkLayers(ROOT, MAIN_LAYERS);
  assert.ok(report.checked > 100, `sources found (${report.checked})`);
  assert.deepEqual(report.offenders, []);
  assert.deepEqual(report.unruled, [], 'every source file of main/ and shared/ belongs to a layer of the table');
  assert.deepEqual(report.empty, [], 'every layer of the table holds source files');
});

test('the check fails on a fixture tree with violations (the CLI importing main/store, the engine fs)', () => {
  const report = checkLayers(FIXTURE, MAIN_LAYERS);
  assert.deepEqual(report.offenders, [
    'main/cli/history.ts → main/store/store.ts (main/cli may not import main/store)',
    'main/engine/formats/reader.ts → package node:fs (main/engine/formats may not use it)',
    'main/engine/formats/reader.ts → main/engine/pki/names.ts (main/engine/formats may not import main/engine/pki)',
    'main/store/verdicts.ts → main/engine/attest/create.ts (main/store may not import main/engine/attest)',
  ]);
  // the same imports through a service, and the store's one allowed engine file, are fine
  assert.equal(report.checked, 9);
  assert.deepEqual(report.unruled, ['main/stray/orphan.ts']);
});

test('a file belongs to the longest layer above it', () => {
  assert.equal(layerOf(MAIN_LAYERS, 'main/engine/pki/x509.ts'), 'main/engine/pki');
  assert.equal(layerOf(MAIN_LAYERS, 'main/engine/bytes.ts'), 'main/engine');
  assert.equal(layerOf(MAIN_LAYERS, 'main/engineering/x.ts'), undefined);
  assert.equal(layerOf(MAIN_LAYERS, 'shared/errors/index.ts'), 'shared');
});
