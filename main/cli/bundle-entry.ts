/**
 * The entry of the shipped CLI bundle (dist/cli/main.cjs, built by scripts/build-cli.mjs; bin/se-attest.cjs runs
 * it): loads the CLI's scripts (dist/cli/cli.cjs, then each command's file when it runs) through the
 * code-caching ScriptLoader, and after the command writes the caches that were missing (main/cli/code-cache.ts).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeCacheDirFor, ScriptLoader, type LoadedScript } from './code-cache.js';
import type { CliIo } from './io.js';
import type * as Cli from './main.js';

const here = dirname(fileURLToPath(import.meta.url));
const loader = new ScriptLoader({ dir: here, cacheDir: codeCacheDirFor(process.env, here) });
const cli = loader.require('./cli.cjs') as typeof Cli;

/** Runs `se-attest ARGV` (main/cli/main.ts's runCli), then writes the code caches this run lacked. */
export async function runCli(argv: readonly string[], io?: CliIo): Promise<number> {
  try {
    return await cli.runCli(argv, io);
  } finally {
    loader.flush();
  }
}

/** The bundle files this process loaded and what became of their code caches (tests, `npm run bench cli`). */
export function loadedScripts(): LoadedScript[] {
  return loader.loaded();
}
