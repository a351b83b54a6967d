/**
 * Writing files that hold secrets (ARPKs, keys, exported secrets): always a new file created with mode 0600
 * (`O_CREAT | O_EXCL | O_NOFOLLOW`) in the target's folder, written, fsync'd and then renamed into place — so an
 * existing file's mode (0644 stays 0644) or owner never carries over, a crash leaves the old file or the new
 * one but never half a key, and nothing is ever written through a symlink: a target that is a symlink is
 * refused (ERR_FS_SYMLINK) and neither the link nor what it points to is touched. Even if someone swaps the
 * target for a symlink after the check, `rename` replaces the link itself and never follows it.
 * Errors: ERR_FS_SYMLINK, ERR_FS_IS_DIRECTORY, ERR_FS_NOT_REGULAR_FILE, ERR_FS_WRITE.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AttestError } from '../../shared/errors/index.js';
import { describeFileKind, resolvePath, type FileParams } from './read.js';

/** Mode of every secret file. */
export const SECRET_FILE_MODE = 0o600;

/** Options of `writeSecretFile`. */
export interface WriteSecretFileParams extends FileParams {
  /**
   * Replace an existing regular file (default true). With false an existing target — whatever it is — is left
   * as it is and `writeSecretFile` returns false: "create it unless someone else already did" (key files).
   */
  readonly replace?: boolean;
  /**
   * fsync the file and its folder before returning (default true). Writers of many files into a folder they
   * just created, which they verify or remove as a whole (evidence bundles), may pass false.
   */
  readonly durable?: boolean;
}

const CREATE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

function writeError(path: string, e: unknown): AttestError {
  return new AttestError('ERR_FS_WRITE', `Cannot create \`${path}\`: ${errnoOf(e)}`, { path, errno: errnoOf(e) });
}

/** What is at `full` now (not following a symlink); undefined when nothing is. */
function lstatTarget(path: string, full: string): Stats | undefined {
  try {
    return lstatSync(full);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw writeError(path, e);
  }
}

/** Throws unless the existing target may be replaced: a regular file (a symlink, folder, FIFO or device is not). */
function refuseToReplace(path: string, st: Stats): void {
  if (st.isSymbolicLink())
    throw new AttestError(
      'ERR_FS_SYMLINK',
      `Refusing to write a secret to \`${path}\`: it is a symbolic link (remove it, or name the real file)`,
      { path },
    );
  if (st.isDirectory())
    throw new AttestError('ERR_FS_IS_DIRECTORY', `Cannot create \`${path}\`: it is a directory`, { path });
  if (!st.isFile())
    throw new AttestError('ERR_FS_NOT_REGULAR_FILE', `Cannot create \`${path}\`: it is ${describeFileKind(st)}`, {
      path,
    });
}

/**
 * Checks, before any work is done, that `writeSecretFile(path, …)` may write there: nothing there yet, or a
 * regular file. Throws its errors (ERR_FS_SYMLINK, ERR_FS_IS_DIRECTORY, ERR_FS_NOT_REGULAR_FILE).
 */
export function checkSecretFileTarget(path: string, params: FileParams = {}): void {
  const existing = lstatTarget(path, resolvePath(params.cwd ?? process.cwd(), path));
  if (existing !== undefined) refuseToReplace(path, existing);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** errno values of a file system that cannot make hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Creates `full` (O_EXCL, 0600) with `bytes`; false when it already exists. */
function createExclusively(full: string, bytes: Uint8Array, durable: boolean): boolean {
  let fd: number;
  try {
    fd = openSync(full, CREATE_FLAGS, SECRET_FILE_MODE);
  } catch (e) {
    if (errnoOf(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    fchmodSync(fd, SECRET_FILE_MODE);
    writeAll(fd, bytes);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function syncFolder(folder: string): void {
  try {
    const fd = openSync(folder, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a folder (Windows); the file itself was fsync'd.
  }
}

/**
 * Writes `data` to `path` as a secret file (mode 0600, replaced atomically, never through a symlink). Returns true
 * when written, false when `replace` is false and the target already exists.
 */
export function writeSecretFile(path: string, data: Uint8Array | string, params: WriteSecretFileParams = {}): boolean {
  const full = resolvePath(params.cwd ?? process.cwd(), path);
  const replace = params.replace ?? true;
  const durable = params.durable ?? true;
  const existing = lstatTarget(path, full);
  if (existing !== undefined) {
    if (!replace) return false; // left as it is, whatever it is: nothing is written to it
    refuseToReplace(path, existing);
  }
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const folder = dirname(full);
  const temp = join(folder, `.${basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, CREATE_FLAGS, SECRET_FILE_MODE);
  } catch (e) {
    throw writeError(path, e);
  }
  let published = false;
  try {
    try {
      fchmodSync(fd, SECRET_FILE_MODE); // the umask may only have narrowed it; make it exactly 0600
      writeAll(fd, bytes);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (replace) {
      renameSync(temp, full);
      published = true;
    } else {
      try {
        linkSync(temp, full); // publishes without ever replacing: fails with EEXIST when someone was first
        published = true;
      } catch (e) {
        if (errnoOf(e) === 'EEXIST') return false;
        if (!NO_HARD_LINKS.has(errnoOf(e))) throw e;
        // a file system without hard links: create the target itself, exclusively (never replacing either)
        if (!createExclusively(full, bytes, durable)) return false;
      }
    }
    if (durable) syncFolder(folder);
    return true;
  } catch (e) {
    if (e instanceof AttestError) throw e;
    throw writeError(path, e);
  } finally {
    if (!published || !replace) {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed away or never created
      }
    }
  }
}
