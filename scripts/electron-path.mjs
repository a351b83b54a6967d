// Finds the Electron binary if one is installed, without requiring the `electron` package (whose index.js
// tries to download the runtime when it is missing): resolves electron/package.json, reads path.txt and checks
// that dist/<path> (or $ELECTRON_OVERRIDE_DIST_PATH/<path>) exists.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The Electron binary path, or undefined when no runtime is installed. */
export function findElectronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (!rel && !override) return undefined;
  const bin = override ? join(override, rel || 'electron') : join(pkgDir, 'dist', rel);
  return existsSync(bin) ? bin : undefined;
}
