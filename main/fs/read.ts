/**
 * Reading input files without surprises: only regular files are read (a directory, FIFO, socket or device gets a
 * coded error before a single byte is read, so `/dev/zero` or a FIFO without a writer never hangs or fills
 * memory), whole-file reads are bounded by a size the caller names (checked before reading, so a sparse
 * multi-GiB file is refused at once), and large files are read only where needed, with positioned reads
 * (`openFileForReading`). Errors: ERR_FS_OPEN, ERR_FS_IS_DIRECTORY, ERR_FS_NOT_REGULAR_FILE, ERR_FS_TOO_LARGE,
 * ERR_FS_READ; messages name the path as given.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AttestError } from '../../shared/errors/index.js';

/** Where relative paths are resolved (default: the process's working directory). */
export interface FileParams {
  readonly cwd?: string;
}

/** Resolves `path` against `cwd`. */
export function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** `a FIFO`, `a directory`, ...: what a non-regular file is, for messages. */
export function describeFileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Throws the coded error for a file that is not a regular file. */
export function refuseNonRegular(path: string, st: Stats): void {
  if (st.isFile()) return;
  if (st.isDirectory())
    throw new AttestError('ERR_FS_IS_DIRECTORY', `Cannot read \`${path}\`: it is a directory, not a file`, { path });
  const kind = describeFileKind(st);
  throw new AttestError('ERR_FS_NOT_REGULAR_FILE', `Cannot read \`${path}\`: it is ${kind}, not a regular file`, {
    path,
    kind,
  });
}

/**
 * For inputs another library opens (a database, a bundle folder or zip): refuses a FIFO, socket or device — and
 * a directory unless `directory` is allowed — before that library could block on it or read it without end.
 * A missing path passes (the opener reports it).
 */
export function refuseSpecialFile(path: string, params: FileParams & { readonly directory?: boolean } = {}): void {
  let st: Stats;
  try {
    st = statSync(resolvePath(params.cwd ?? process.cwd(), path));
  } catch {
    return;
  }
  if (st.isDirectory() && params.directory === true) return;
  refuseNonRegular(path, st);
}

// O_NONBLOCK: opening a FIFO that has no writer returns at once instead of blocking the process; it has no
// effect on regular files. Both flags are 0 where the platform has no such flag (Windows).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

/** Opens a regular file for reading; returns its descriptor and size. */
function openRegularFile(path: string, params: FileParams): { fd: number; size: number } {
  const full = resolvePath(params.cwd ?? process.cwd(), path);
  let fd: number;
  try {
    fd = openSync(full, OPEN_FLAGS);
  } catch (e) {
    if (errnoOf(e) === 'EISDIR')
      throw new AttestError('ERR_FS_IS_DIRECTORY', `Cannot read \`${path}\`: it is a directory, not a file`, { path });
    throw new AttestError('ERR_FS_OPEN', `Cannot open \`${path}\`: ${errnoOf(e)}`, { path, errno: errnoOf(e) });
  }
  try {
    const st = fstatSync(fd);
    refuseNonRegular(path, st);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads up to `length` bytes at `position` of `fd` into `into` at `at`; returns how many (fewer only at EOF). */
function readFully(fd: number, path: string, into: Uint8Array, at: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, into, at + done, length - done, position + done);
    } catch (e) {
      throw new AttestError('ERR_FS_READ', `Cannot read \`${path}\`: ${errnoOf(e)}`, { path, errno: errnoOf(e) });
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Reads a whole regular file of at most `maxSize` bytes; a larger file fails with ERR_FS_TOO_LARGE before anything
 * is read. A file that shrinks while being read yields what was there.
 */
export function readFileBounded(path: string, maxSize: number, params: FileParams = {}): Uint8Array {
  const { fd, size } = openRegularFile(path, params);
  try {
    if (size > maxSize)
      throw new AttestError('ERR_FS_TOO_LARGE', `${path}: file is ${size} bytes, at most ${maxSize} are accepted`, {
        path,
        size,
        maxSize,
      });
    const out = new Uint8Array(size);
    const n = readFully(fd, path, out, 0, size, 0);
    return n === size ? out : out.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * An open regular file read by position: `read(offset, length)` returns the bytes there (fewer past the end of the
 * file, none beyond it). It has the engine's `ByteSource` shape, so parsers can look at a multi-GiB image through
 * it without the image ever being in memory.
 */
export interface RandomAccessFile {
  readonly path: string;
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** Opens a regular file (of any size) for positioned reads; close it when done (or use `withFileForReading`). */
export function openFileForReading(path: string, params: FileParams = {}): RandomAccessFile {
  const { fd, size } = openRegularFile(path, params);
  let open = true;
  return {
    path,
    size,
    read(offset: number, length: number): Uint8Array {
      if (!open) throw new AttestError('ERR_FS_READ', `Cannot read \`${path}\`: already closed`, { path });
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
        throw new AttestError('ERR_FS_READ', `Cannot read \`${path}\`: bad range ${offset}+${length}`, { path });
      const want = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(want);
      const n = readFully(fd, path, out, 0, want, offset);
      return n === want ? out : out.subarray(0, n);
    },
    close(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** Opens `path` for positioned reads, runs `fn` and closes the file whatever happens. */
export function withFileForReading<T>(path: string, params: FileParams, fn: (file: RandomAccessFile) => T): T {
  const file = openFileForReading(path, params);
  try {
    return fn(file);
  } finally {
    file.close();
  }
}
