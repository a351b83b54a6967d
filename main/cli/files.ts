/** File helpers for CLI commands: bounded reads, 0600 writes for secrets, and errors that name the file. */
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AttestError, isAttestError } from '../../shared/errors/index.js';

/** Resolves `path` against `cwd`. */
export function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/**
 * Reads at most `maxSize` bytes of a file; a larger file fails fast with ERR_INPUT_TOO_LARGE without being read.
 * A missing or unreadable file is ERR_CLI_FILE_READ ("Cannot open `FILE`").
 */
export function readFileBounded(cwd: string, path: string, maxSize: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(resolvePath(cwd, path), 'r');
  } catch (e) {
    throw new AttestError(
      'ERR_CLI_FILE_READ',
      `Cannot open \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { path },
    );
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxSize)
      throw new AttestError('ERR_INPUT_TOO_LARGE', `${path}: file is ${size} bytes, at most ${maxSize} are accepted`, {
        path,
      });
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file; `secret` files get mode 0600. Failures are ERR_CLI_FILE_WRITE naming the path. */
export function writeFileChecked(cwd: string, path: string, data: Uint8Array | string, secret = false): void {
  try {
    writeFileSync(resolvePath(cwd, path), data, secret ? { mode: 0o600 } : {});
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
    if (isAttestError(e) && !e.message.startsWith(`${path}: `))
      throw new AttestError(e.code, `${path}: ${e.message}`, { ...e.details, path });
    throw e;
  }
}

/** A commander collector for repeatable, comma-separated options (pvattest's `-k A -k B` or `-k A,B`). */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}
