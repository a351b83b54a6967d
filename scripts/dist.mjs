#!/usr/bin/env node
// `npm run dist`: packages the desktop app with electron-builder (electron-builder.yml) for this OS and CPU.
// Steps: 1. fetch the Electron runtime (fails fast, with a clear message, where it cannot be downloaded);
// 2. compile TypeScript; 3. bundle renderer and preload; 4. rebuild better-sqlite3 for Electron's ABI —
// the only place the project does that; 5. run electron-builder. The Node build of better-sqlite3 is restored
// afterwards (success or not), so the CLI and the tests keep working on plain Node.
// Usage: node scripts/dist.mjs [electron-builder args, e.g. --dir or --linux deb]
// Native modules cannot be cross-compiled, so only the host OS and CPU are packaged: run it on each OS.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const NATIVE_MODULES = ['better-sqlite3'];
const PLATFORM_FLAGS = {
  linux: ['--linux', '-l'],
  win32: ['--win', '--windows', '-w'],
  darwin: ['--mac', '--macos', '-m', '-o'],
};
const ARCH_FLAGS = ['--x64', '--ia32', '--armv7l', '--arm64', '--universal'];

/** Error whose message is shown to the user as is (no stack). */
class DistError extends Error {}

/** Prints one step heading. */
function logStep(n, text) {
  console.log(`[dist] ${n}/5 ${text}`);
}

/** Runs a command with inherited output; throws DistError when it fails. */
function runCommand(what, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new DistError(`${what} failed (exit code ${r.status ?? r.signal}); nothing was packaged.`);
}

/** Rejects electron-builder arguments that ask for another OS or CPU than this machine's. */
function checkHostTarget(args) {
  for (const [platform, flags] of Object.entries(PLATFORM_FLAGS)) {
    if (platform !== process.platform && args.some((a) => flags.includes(a))) {
      throw new DistError(
        `cannot package for ${platform} on ${process.platform}: better-sqlite3 must be compiled for Electron on the ` +
          `target OS. Run \`npm run dist\` on ${platform}.`,
      );
    }
  }
  const arch = args.find((a) => ARCH_FLAGS.includes(a));
  if (arch !== undefined && arch !== `--${process.arch}`) {
    throw new DistError(
      `cannot package for ${arch.slice(2)} on ${process.arch}: native modules are built for the host CPU only.`,
    );
  }
}

/** Describes an error and its causes on one line (network errors hide the reason in `cause`). */
function describeError(err) {
  const parts = [];
  for (let e = err; e != null && parts.length < 4; e = e.cause) parts.push(e.message ?? String(e));
  return parts.join(': ');
}

/** Downloads (or finds cached) the Electron runtime zip electron-builder packages; throws DistError if it can't. */
async function fetchElectron(version) {
  const { downloadArtifact } = await import('@electron/get');
  const checksums = JSON.parse(await readFile(join(root, 'node_modules/electron/checksums.json'), 'utf8'));
  const zip = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  try {
    return await downloadArtifact({
      version,
      artifactName: 'electron',
      platform: process.platform,
      arch: process.arch,
      checksums,
    });
  } catch (err) {
    throw new DistError(
      `the Electron ${version} runtime (${zip}) could not be downloaded: ${describeError(err)}\n` +
        'electron-builder packages that runtime, so the app cannot be packaged on this machine. Run `npm run dist` ' +
        'where Electron releases can be downloaded, set ELECTRON_MIRROR to a reachable mirror, or put the zip into ' +
        "@electron/get's cache. Nothing was built.",
    );
  }
}

/**
 * Rebuilds the native modules for Electron's ABI in projectRoot's node_modules; returns a function that puts
 * the Node build back. node-gyp wipes build/ before compiling, so the whole folder is saved, not only the .node.
 */
export async function rebuildForElectron({ electronVersion: version, projectRoot = root }) {
  const sqliteBuild = join(projectRoot, 'node_modules/better-sqlite3/build');
  const backupDir = await mkdtemp(join(tmpdir(), 'se-attest-dist-'));
  const backup = join(backupDir, 'build');
  await cp(sqliteBuild, backup, { recursive: true, verbatimSymlinks: true });
  const restore = async () => {
    await rm(sqliteBuild, { recursive: true, force: true });
    await cp(backup, sqliteBuild, { recursive: true, verbatimSymlinks: true });
    await rm(backupDir, { recursive: true, force: true });
  };
  const { rebuild } = await import('@electron/rebuild');
  try {
    await rebuild({
      buildPath: projectRoot,
      electronVersion: version,
      arch: process.arch,
      onlyModules: NATIVE_MODULES,
      force: true,
    });
  } catch (err) {
    await restore();
    throw new DistError(
      `rebuilding ${NATIVE_MODULES.join(', ')} for Electron ${version} failed: ${describeError(err)}\n` +
        'This needs the Electron headers (downloaded by node-gyp) and a C++ toolchain. Nothing was packaged.',
    );
  }
  return restore;
}

/** Runs all packaging steps; returns the process exit code. */
async function runDist(args) {
  checkHostTarget(args);
  const electronVersion = JSON.parse(await readFile(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
  logStep(1, `fetching the Electron ${electronVersion} runtime for ${process.platform}-${process.arch}`);
  await fetchElectron(electronVersion);
  logStep(2, 'compiling TypeScript (tsc -p tsconfig.json)');
  runCommand('tsc', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  logStep(3, 'bundling renderer, preload and the CLI');
  runCommand('renderer/preload build', process.execPath, [join(root, 'scripts/build-renderer.mjs')]);
  runCommand('CLI bundle', process.execPath, [join(root, 'scripts/build-cli.mjs')]);
  logStep(4, `rebuilding ${NATIVE_MODULES.join(', ')} for Electron ${electronVersion}`);
  const restore = await rebuildForElectron({ electronVersion });
  try {
    logStep(5, 'packaging with electron-builder (electron-builder.yml)');
    const cli = join(root, 'node_modules/electron-builder/cli.js');
    runCommand('electron-builder', process.execPath, [
      cli,
      '--config',
      'electron-builder.yml',
      '--publish',
      'never',
      ...args,
    ]);
  } finally {
    await restore();
    console.log('[dist] restored the Node build of better-sqlite3');
  }
  console.log('[dist] done: packages are in release/');
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await runDist(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof DistError)) throw err;
    console.error(`npm run dist: ${err.message}`);
    process.exitCode = 1;
  }
}
