/**
 * File helpers of the CLI: writing result files with errors that name the file, and naming the input file in a
 * coded error. Reading (bounded, positioned) and secret files live in main/fs, shared with the services.
 */
import { writeFileSync } from 'node:fs';
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import { resolvePath, writeSecretFile } from '../fs/index.js';

/**
 * Writes a result file. A `secret` file (an ARPK, a key) is written by main/fs's `writeSecretFile`: a new 0600
 * file renamed into place, never through a symlink. Failures are ERR_CLI_FILE_WRITE (or main/fs's codes for a
 * secret file), naming the path.
 */
export function writeFileChecked(cwd: string, path: string, data: Uint8Array | string, secret = false): void {
  if (secret) {
    writeSecretFile(path, data, { cwd });
    return;
  }
  try {
    writeFileSync(resolvePath(cwd, path), data);
  } catch (e) {
    throw new AttestError(
      'ERR_CLI_FILE_WRITE',
      `Cannot create \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { path },
    );
  }
}

/** Runs `fn`; a coded error it throws is re-thrown with `path: ` in front of its message. */
export function naming<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isAttestError(e) && !e.message.startsWith(`${path}: `) && !e.message.includes(`\`${path}\``))
      throw new AttestError(e.code, `${path}: ${e.message}`, { ...e.details, path });
    throw e;
  }
}
