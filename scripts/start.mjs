#!/usr/bin/env node
// `npm start`: builds what is missing or out of date, then launches the Electron shell when an Electron binary
// is installed, otherwise web mode, which prints `SE Attestation Workstation: http://127.0.0.1:PORT/?token=...`.
// Options: --db PATH (database file), --demo (demo guests), --web (force web mode), --port N (web mode).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { findElectronBinary } from './electron-path.mjs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = statSync(full);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(full) : st.mtimeMs);
  }
  return newest;
}

function mtimeOf(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

async function ensureRendererBuilt() {
  const index = join(root, 'dist-renderer', 'index.html');
  const preload = join(root, 'dist-preload', 'preload.cjs');
  const sources = Math.max(
    newestMtime(join(root, 'renderer')),
    newestMtime(join(root, 'shared')),
    newestMtime(join(root, 'main', 'preload')),
  );
  if (mtimeOf(index) < sources || mtimeOf(preload) < sources) {
    const { buildRenderer } = await import('./build-renderer.mjs');
    await buildRenderer({ dev: false });
  }
}

function ensureMainBuilt() {
  const entry = join(root, 'dist', 'main', 'app', 'electron-main.js');
  if (mtimeOf(entry) >= Math.max(newestMtime(join(root, 'main')), newestMtime(join(root, 'shared')))) return;
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('TypeScript build failed');
}

await ensureRendererBuilt();
const electron = args.includes('--web') ? undefined : findElectronBinary();
if (electron) {
  ensureMainBuilt();
  const child = spawn(electron, [root, ...args.filter((a) => a !== '--web')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const { tsImport } = await import('tsx/esm/api');
  const web = await tsImport('../main/app/web-main.ts', import.meta.url);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await web.mainWeb(
    args.filter((a) => a !== '--web'),
    join(root, 'dist-renderer'),
    pkg.version,
  );
}
