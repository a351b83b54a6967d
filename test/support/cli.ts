/** Runs the `se-attest` CLI in-process with captured output, in a given working directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../main/cli/main.js';
import { memoryIo } from '../../main/cli/io.js';

/** The outcome of one CLI run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `se-attest ARGS` with `cwd` as working directory. */
export async function cli(cwd: string, ...args: string[]): Promise<CliRun> {
  const io = memoryIo(cwd);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'se-attest-test-'): {
  dir: string;
  cleanup: () => void;
  path: (name: string) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }), path: (name) => join(dir, name) };
}
