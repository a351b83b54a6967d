#!/usr/bin/env node
// Bundles the `se-attest` CLI into dist/cli/ for a fast start (`npm run bench cli` measures it):
//   dist/cli/main.cjs                  the entry (CommonJS, main/cli/bundle-entry.ts; bin/se-attest.cjs requires it):
//                                      the script loader with V8's code cache (main/cli/code-cache.ts), which loads
//                                      the files below
//   dist/cli/cli.cjs                   commander, every command's flags and help (main/cli/flags/*), runCli, and
//                                      the modules whose classes must exist once (shared/errors, main/cli/io)
//   dist/cli/commands/<name>/index.cjs one file per command implementation (main/cli/commands/<name>.ts), loaded by
//                                      the `import('../commands/<name>.js')` in its flags only when it runs; a lazy
//                                      `import()` inside a command becomes a chunk beside it
//   dist/cli/code-cache/               the V8 code caches, written on a command's first run (see code-cache.ts)
// Loading tsc's ~100 separate ES modules costs more than the command itself; one file per command does not.
// Two steps: esbuild bundles the ES-module sources with code splitting (as ES modules, into a scratch folder),
// then each output file is turned into a CommonJS-style script (`.cjs`, its imports `require()` calls), because
// Node 20 gives a code cache to scripts (`vm.Script`'s cachedData) and to no ES module.
// Packages with native code or data files read at run time (better-sqlite3, ssh2, pdfkit, ...) stay external and
// load from node_modules as before; commander (pure JavaScript, needed by every run) is bundled in.
// Usage: node scripts/build-cli.mjs [--outdir DIR]
import { build, transform } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * Pure-JavaScript packages bundled in (loading one file beats loading their dozens); every other dependency stays
 * a runtime import from node_modules. The @peculiar family goes in or out together: the X.509 classes and the
 * ASN.1 schema registry they share must exist once.
 */
export function isBundledPackage(name) {
  return name === 'commander' || name === 'reflect-metadata' || name.startsWith('@peculiar/');
}

/**
 * The X.509 stack's packages (@peculiar/x509, its @peculiar/asn1-* schemas and their helpers asn1js, pvtsutils,
 * pvutils, tsyringe, tslib): bundled from their ES-module builds (`module` field) and marked free of side effects
 * on import, so esbuild keeps only the modules the CLI reaches. Measured (`npm run bench cli`, issue 13): their
 * CommonJS builds cost ≈ 70 ms of CPU to evaluate (hundreds of `__commonJS` wrappers and `__exportStar` copies);
 * the ES builds ≈ 35 ms, tree-shaken ≈ 23 ms. Only their modules' import-time side effects are waived: every
 * class the CLI reaches still registers its ASN.1 schema when it is defined (the decorators run with the class).
 * reflect-metadata, imported for its side effect (the Reflect polyfill tsyringe needs), is not among them.
 */
const PURE_PACKAGE = /\/node_modules\/(@peculiar\/[^/]+|asn1js|pvtsutils|pvutils|tsyringe|tslib)\//;

/** Resolves the X.509 stack's imports as described at PURE_PACKAGE. */
const purePackagesPlugin = {
  name: 'se-attest-pure-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'se-attest-pure') return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'se-attest-pure',
      });
      if (r.errors.length > 0 || r.external || !PURE_PACKAGE.test(r.path)) return undefined;
      return { path: r.path, sideEffects: false };
    });
  },
};

/**
 * commander requires `node:child_process` when it loads, for the executable subcommands the CLI does not have;
 * loading it brings net, dgram and the streams with it (≈ 4 ms of every run, `npm run bench cli`). Within
 * commander that require is a stand-in that loads the module on first use.
 */
const lazyChildProcessPlugin = {
  name: 'se-attest-lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /\/node_modules\/commander\//.test(args.importer)
        ? { path: 'child_process', namespace: 'se-attest-lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'se-attest-lazy' }, () => ({
      loader: 'js',
      contents: [
        'let m;',
        "const load = () => (m ??= require('node:child_process'));",
        'module.exports = new Proxy({}, { get: (_, k) => load()[k], has: (_, k) => k in load() });',
      ].join('\n'),
    }));
  },
};

/** The packages (node_modules names) with code in each output file of an esbuild metafile, by `.cjs` path. */
function packagesByOutput(metafile, esm) {
  const out = {};
  for (const [file, { inputs }] of Object.entries(metafile.outputs)) {
    const names = new Set();
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      if (bytesInOutput === 0) continue; // tree-shaken away
      const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) names.add(m[1]);
    }
    out[relative(esm, resolve(root, file)).replace(/\.js$/, '.cjs')] = [...names].sort();
  }
  return out;
}

/** Modules whose identity matters across bundles (`instanceof AttestError`, `instanceof CliExit`): kept in cli.cjs. */
const SHARED_MODULES = ['shared/errors/index', 'main/cli/io'];

/** The command implementations the flags load lazily: `import('../commands/<name>.js')` in main/cli/flags/*.ts. */
export function lazyCommandModules() {
  const dir = join(root, 'main/cli/flags');
  const names = new Set();
  for (const file of readdirSync(dir)) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(
      /import\(\s*'\.\.\/commands\/([a-z0-9-]+)\.js'\s*\)/g,
    ))
      names.add(m[1]);
  }
  return [...names].sort();
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  minify: process.env.SE_ATTEST_CLI_NO_MINIFY !== '1',
  logLevel: 'warning',
  // ES-module builds first (tree-shakable; see PURE_PACKAGE), CommonJS where a package has no other
  mainFields: ['module', 'main'],
  // licence comments stay in the file they belong to (a linked file would be named after the ES-module step)
  legalComments: 'eof',
  external: [...Object.keys(pkg.dependencies ?? {}).filter((n) => !isBundledPackage(n)), 'electron'],
  metafile: true,
};

/**
 * Step two: one ES-module output file as a script for main/cli/code-cache.ts's loader. Imports become
 * `require()` (dynamic ones too: a script has no `import()` without a module loader), the bundle's own files
 * are named `.cjs`, and `import.meta.url` is the loader's `__seAttestImportMetaUrl` (the file's URL, as before).
 * Bundled CommonJS (commander) gets the loader's `require` for Node's built-ins.
 */
async function toScript(code) {
  const out = await transform(code, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: common.minify,
    legalComments: 'eof',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__seAttestImportMetaUrl' },
    logLevel: 'warning',
  });
  return out.code.replace(/\brequire\((["'])(\.\.?\/[^"']*)\.js\1\)/g, (_, q, p) => `require(${q}${p}.cjs${q})`);
}

/** Turns every .js file under `from` into a .cjs script at the same place under `to`. */
async function writeScripts(from, to) {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const src = join(entry.parentPath ?? entry.path, entry.name);
    const dest = join(to, relative(from, src)).replace(/\.js$/, '.cjs');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, await toScript(readFileSync(src, 'utf8')));
  }
}

/** Resolves the shared modules (from a command bundle) and the lazy command imports (from main.js) to files. */
function linkPlugin(kind) {
  return {
    name: `se-attest-${kind}`,
    setup(b) {
      b.onResolve({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith('.')) return undefined;
        const target = resolve(args.resolveDir, args.path).slice(root.length).replace(/\.js$/, '');
        if (kind === 'command' && SHARED_MODULES.includes(target)) return { path: '../../cli.js', external: true };
        const lazy = /^main\/cli\/commands\/([a-z0-9-]+)$/.exec(target);
        if (kind === 'main' && lazy && args.importer.includes('/main/cli/flags/') && args.kind === 'dynamic-import')
          return { path: `./commands/${lazy[1]}/index.js`, external: true };
        return undefined;
      });
    },
  };
}

/** The bundle's entry file, in dist/cli. */
export const ENTRY = 'main.cjs';

/**
 * Builds the CLI bundle into `outdir` (default dist/cli); resolves to the entry file and, for each script of the
 * bundle (path relative to `outdir`), the packages bundled into it.
 */
export async function buildCli({ outdir = join(root, 'dist/cli') } = {}) {
  rmSync(outdir, { recursive: true, force: true }); // no stale files (or caches) of an earlier build
  const esm = `${outdir}.esm-${process.pid}`;
  rmSync(esm, { recursive: true, force: true });
  const packages = {};
  try {
    const cli = await build({
      ...common,
      stdin: {
        contents: [
          "export { buildProgram, runCli } from './main/cli/main.ts';",
          ...SHARED_MODULES.map((m) => `export * from './${m}.ts';`),
        ].join('\n'),
        resolveDir: root,
        sourcefile: 'se-attest-entry.ts',
        loader: 'ts',
      },
      outfile: join(esm, 'cli.js'),
      plugins: [linkPlugin('main'), lazyChildProcessPlugin, purePackagesPlugin],
    });
    Object.assign(packages, packagesByOutput(cli.metafile, esm));
    for (const name of lazyCommandModules()) {
      const command = await build({
        ...common,
        entryPoints: { index: join(root, `main/cli/commands/${name}.ts`) },
        outdir: join(esm, 'commands', name),
        splitting: true,
        chunkNames: '[name]-[hash]',
        plugins: [linkPlugin('command'), lazyChildProcessPlugin, purePackagesPlugin],
      });
      Object.assign(packages, packagesByOutput(command.metafile, esm));
    }
    await writeScripts(esm, outdir);
  } finally {
    rmSync(esm, { recursive: true, force: true });
  }
  // the entry: the loader, nothing else; CommonJS like bin/se-attest.cjs, so that no run starts Node's ES-module
  // loader (≈ 10 ms, `npm run bench cli`); its `import.meta.url` is the file's URL, as in the scripts
  await build({
    ...common,
    format: 'cjs',
    entryPoints: [join(root, 'main/cli/bundle-entry.ts')],
    outfile: join(outdir, ENTRY),
    define: { 'import.meta.url': '__seAttestImportMetaUrl' },
    banner: { js: '"use strict";var __seAttestImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  return { entry: join(outdir, ENTRY), packages };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const i = process.argv.indexOf('--outdir');
  const { entry } = await buildCli(i > 0 ? { outdir: resolve(process.argv[i + 1]) } : {});
  console.log(`CLI bundled into ${entry}`);
}
