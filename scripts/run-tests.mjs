#!/usr/bin/env node
// Runs the whole test suite: a type check of sources and tests, then every test/**/*.test.ts file with
// Node's own test runner (TypeScript loaded through tsx), after ESLint and Prettier's check. Arguments narrow
// the run to paths or files (and skip lint); --no-lint and --no-typecheck skip those steps.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const skipTypecheck = args.includes('--no-typecheck');
const targets = args.filter((a) => !a.startsWith('--'));

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const files = [];
for (const t of targets.length > 0 ? targets : ['test']) {
  const full = join(root, t);
  if (statSync(full).isDirectory()) collect(full, files);
  else files.push(relative(root, full));
}
files.sort();

const skipLint = args.includes('--no-lint');

// Lint (ESLint) and format check (Prettier): the same tools as `npm run lint`.
if (!skipLint && targets.length === 0) {
  for (const [name, bin, argv] of [
    ['eslint', 'node_modules/eslint/bin/eslint.js', ['.']],
    ['prettier', 'node_modules/prettier/bin/prettier.cjs', ['--check', '--log-level', 'warn', '.']],
  ]) {
    const r = spawnSync(process.execPath, [join(root, bin), ...argv], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`${name} failed: run \`npm run format\` and \`npm run lint\``);
      process.exit(1);
    }
  }
}

if (!skipTypecheck) {
  for (const project of ['tsconfig.check.json', 'renderer/tsconfig.json', 'test/renderer/tsconfig.json']) {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: root,
      stdio: 'inherit',
    });
    if (tsc.status !== 0) {
      console.error(`type check failed (${project})`);
      process.exit(1);
    }
  }
}

const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: '' },
});
process.exit(run.status ?? 1);
