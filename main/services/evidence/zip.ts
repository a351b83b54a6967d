/**
 * Reading a bundle from a directory or a zip (yauzl, central directory indexed once, entries streamed on
 * demand). Bundles are written by `bundle-sink.ts` (fflate).
 *
 * Reading is bounded (issue 12): every read names the most bytes it accepts and is refused, before any byte is
 * read, when the declared size (the zip's central directory, or the file's size on disk) is larger; a zip
 * entry that inflates past its declared size is stopped while inflating (yauzl's size validation and a count
 * of our own); encrypted entries, unknown compression methods and unsafe names are refused when the zip is
 * indexed. Large files are read as streams (hashed without holding them).
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';

/** Most entries a bundle may have (10,000 attestations make ~50,000). */
export const MAX_BUNDLE_ENTRIES = 1_000_000;
/** Zip compression methods a bundle may use: stored and deflate. */
const ZIP_METHODS: Record<number, string> = { 0: 'stored', 8: 'deflate' };

/** Lists regular files under `dir` as bundle-relative paths (`/` separators); other entries are returned in `odd`. */
export async function listDirectory(dir: string): Promise<{ files: string[]; odd: string[] }> {
  const files: string[] = [];
  const odd: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) files.push(r);
      else odd.push(r);
      if (files.length + odd.length > MAX_BUNDLE_ENTRIES)
        throw new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `more than ${MAX_BUNDLE_ENTRIES} files`, { dir });
    }
  };
  await walk('');
  return { files: files.sort(), odd: odd.sort() };
}

/** An entry the reader refuses (not a regular file, an unsafe or duplicate name, encrypted, unknown method). */
export interface RefusedEntry {
  readonly name: string;
  readonly code: ErrorCode;
  readonly reason: string;
}

/** Read access to a bundle in a directory or a zip. */
export interface BundleReader {
  /** Regular files, bundle-relative, sorted. */
  readonly files: readonly string[];
  /** Entries that are refused (always a failure of the files check). */
  readonly odd: readonly RefusedEntry[];
  has(name: string): boolean;
  /** The declared size (zip central directory, or size on disk). */
  size(name: string): number;
  /**
   * Reads a whole file of at most `maxBytes`; throws ERR_EVIDENCE_FILE_TOO_LARGE (declared larger, nothing read)
   * or ERR_EVIDENCE_ZIP_ENTRY_INVALID (inflates past its declared size, corrupt).
   */
  read(name: string, maxBytes: number): Promise<Buffer>;
  /** Streams a file (never more than its declared size); stream errors are ERR_EVIDENCE_ZIP_ENTRY_INVALID. */
  stream(name: string): Promise<Readable>;
  close(): Promise<void>;
}

const tooLarge = (name: string, size: number, max: number) =>
  new AttestError('ERR_EVIDENCE_FILE_TOO_LARGE', `${size} bytes, more than the ${max} bytes this file may have`, {
    file: name,
    size,
    max,
  });
const entryInvalid = (name: string, reason: string) =>
  new AttestError('ERR_EVIDENCE_ZIP_ENTRY_INVALID', reason, { file: name });

/** Reads `stream` to its end, refusing more than `max` bytes. */
async function readBounded(name: string, stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of stream) {
      total += (c as Buffer).length;
      if (total > max) {
        stream.destroy();
        throw entryInvalid(name, `inflates past its declared size of ${max} bytes`);
      }
      chunks.push(c as Buffer);
    }
  } catch (e) {
    if (e instanceof AttestError) throw e;
    throw entryInvalid(name, (e as Error).message);
  }
  return Buffer.concat(chunks, total);
}

/** Opens a bundle directory or zip file; throws ERR_EVIDENCE_BUNDLE_UNREADABLE. */
export async function openBundle(path: string): Promise<BundleReader> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    throw new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `cannot open ${path}`, { file: path });
  }
  if (st.isDirectory()) return openDirectoryBundle(path);
  if (!st.isFile())
    throw new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `${path} is neither a folder nor a zip file`, {
      file: path,
    });
  return openZipBundle(path);
}

async function openDirectoryBundle(path: string): Promise<BundleReader> {
  const { files, odd } = await listDirectory(path);
  const set = new Set(files);
  const sizeOf = (n: string): number => {
    try {
      return fstatSizeOf(join(path, n));
    } catch {
      return 0;
    }
  };
  return {
    files,
    odd: odd.map((name) => ({ name, code: 'ERR_EVIDENCE_FILE_EXTRA', reason: 'not a regular file' })),
    has: (n) => set.has(n),
    size: sizeOf,
    // sync reads: bundles hold tens of thousands of tiny files, and async reads wait on the thread pool
    read: async (n, maxBytes) => {
      const fd = openSync(join(path, n), 'r');
      try {
        const size = fstatSync(fd).size;
        if (size > maxBytes) throw tooLarge(n, size, maxBytes);
        const buf = Buffer.allocUnsafe(size);
        let done = 0;
        while (done < size) {
          const got = readSync(fd, buf, done, size - done, done);
          if (got === 0) break;
          done += got;
        }
        return buf.subarray(0, done);
      } finally {
        closeSync(fd);
      }
    },
    stream: async (n) => createReadStream(join(path, n)),
    close: async () => {},
  };
}

function fstatSizeOf(file: string): number {
  const fd = openSync(file, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/**
 * Serves yauzl's range reads with synchronous reads in 1 MiB chunks: a bundle has ~5 small entries per
 * attestation, and async reads through the thread pool spend most of their time queued.
 */
class SyncRangeReader extends yauzl.RandomAccessReader {
  constructor(private readonly fd: number) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const fd = this.fd;
    let pos = start;
    return new Readable({
      read() {
        if (pos >= end) {
          this.push(null);
          return;
        }
        const buf = Buffer.allocUnsafe(Math.min(end - pos, 1 << 20));
        let n: number;
        try {
          n = readSync(fd, buf, 0, buf.length, pos);
        } catch (e) {
          this.destroy(e as Error);
          return;
        }
        if (n === 0) {
          this.destroy(new Error('unexpected end of the zip file'));
          return;
        }
        pos += n;
        this.push(buf.subarray(0, n));
      },
    });
  }

  /** Small reads (central directory records, local headers) without a stream each. */
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    let done = 0;
    try {
      while (done < length) {
        const n = readSync(this.fd, buffer, offset + done, length - done, position + done);
        if (n === 0) throw new Error('unexpected end of the zip file');
        done += n;
      }
    } catch (e) {
      process.nextTick(callback, e as Error);
      return;
    }
    // yauzl's callback also takes bytesRead (its typings omit it)
    process.nextTick(callback as (err: Error | null, bytesRead: number) => void, null, done);
  }

  override close(callback: (err: Error | null) => void): void {
    try {
      closeSync(this.fd);
      callback(null);
    } catch (e) {
      callback(e as Error);
    }
  }
}

async function openZipBundle(path: string): Promise<BundleReader> {
  const unreadable = () =>
    new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `${path} is not a readable zip file`, { file: path });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw unreadable();
  }
  const reader = new SyncRangeReader(fd);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromRandomAccessReader(
      reader,
      fstatSync(fd).size,
      { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true },
      (err, z) => (err || !z ? reject(err) : resolve(z)),
    ),
  ).catch(() => {
    closeSync(fd);
    throw unreadable();
  });
  if (zip.entryCount > MAX_BUNDLE_ENTRIES) {
    zip.close();
    throw new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `${path} has more than ${MAX_BUNDLE_ENTRIES} entries`, {
      file: path,
    });
  }
  const entries = new Map<string, yauzl.Entry>();
  const odd: RefusedEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      const name = e.fileName;
      const refuse = (code: ErrorCode, reason: string) => odd.push({ name, code, reason });
      if (name.endsWith('/')) {
        // directory entry
      } else if (
        name.startsWith('/') ||
        name.split('/').some((s) => s === '..' || s === '.' || s === '') ||
        name.includes('\\')
      ) {
        refuse('ERR_EVIDENCE_FILE_EXTRA', 'an unsafe name');
      } else if (entries.has(name)) {
        refuse('ERR_EVIDENCE_ZIP_ENTRY_INVALID', 'a second entry of that name');
      } else if ((e.generalPurposeBitFlag & 0x1) !== 0) {
        refuse('ERR_EVIDENCE_ZIP_ENTRY_INVALID', 'an encrypted entry (bundles are never encrypted)');
      } else if (ZIP_METHODS[e.compressionMethod] === undefined) {
        refuse('ERR_EVIDENCE_ZIP_ENTRY_INVALID', `unknown compression method ${e.compressionMethod}`);
      } else {
        entries.set(name, e);
      }
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', (err: Error) =>
      reject(new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `${path}: ${err.message}`, { file: path })),
    );
    zip.readEntry();
  });
  const stream = (name: string): Promise<Readable> => {
    const e = entries.get(name);
    if (!e)
      return Promise.reject(
        new AttestError('ERR_EVIDENCE_FILE_MISSING', `${name} is not in the bundle`, { file: name }),
      );
    return new Promise((resolve, reject) =>
      zip.openReadStream(e, (err, s) =>
        err || !s ? reject(entryInvalid(name, err?.message ?? 'unreadable')) : resolve(s),
      ),
    );
  };
  return {
    files: [...entries.keys()].sort(),
    odd: odd.sort((x, y) => x.name.localeCompare(y.name)),
    has: (n) => entries.has(n),
    size: (n) => entries.get(n)?.uncompressedSize ?? 0,
    read: async (n, maxBytes) => {
      const declared = entries.get(n)?.uncompressedSize ?? 0;
      if (declared > maxBytes) throw tooLarge(n, declared, maxBytes);
      return readBounded(n, await stream(n), declared);
    },
    stream,
    close: async () => {
      zip.close();
      await Promise.resolve();
    },
  };
}
