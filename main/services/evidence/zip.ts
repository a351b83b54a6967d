/**
 * Bundle containers: writing a directory as a zip (yazl, streamed file by file) and reading a bundle from a
 * directory or a zip (yauzl, central directory indexed once, entries streamed on demand).
 */
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import yauzl from 'yauzl';
import { AttestError } from '../../../shared/errors/index.js';

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

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
    }
  };
  await walk('');
  return { files: files.sort(), odd: odd.sort() };
}

/** Zips every file of `dir` into `zipPath` (sorted, fixed mtime, 0600 kept for secrets). */
export async function zipDirectory(dir: string, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath);
  zip.outputStream.pipe(out);
  const { files } = await listDirectory(dir);
  for (const f of files) {
    const st = await lstat(join(dir, f));
    zip.addFile(join(dir, f), f, {
      mtime: FIXED_MTIME,
      mode: 0o100000 | (st.mode & 0o777),
      compress: !f.endsWith('.pdf'),
    });
  }
  zip.end();
  await finished(out);
}

/** Read access to a bundle in a directory or a zip. */
export interface BundleReader {
  /** Regular files, bundle-relative, sorted. */
  readonly files: readonly string[];
  /** Entries that are not regular files or have unsafe names (always a failure). */
  readonly odd: readonly string[];
  has(name: string): boolean;
  read(name: string): Promise<Buffer>;
  stream(name: string): Promise<Readable>;
  close(): Promise<void>;
}

/** Opens a bundle directory or zip file; throws ERR_EVIDENCE_BUNDLE_UNREADABLE. */
export async function openBundle(path: string): Promise<BundleReader> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    throw new AttestError('ERR_EVIDENCE_BUNDLE_UNREADABLE', `cannot open ${path}`, { file: path });
  }
  if (st.isDirectory()) {
    const { files, odd } = await listDirectory(path);
    const set = new Set(files);
    return {
      files,
      odd,
      has: (n) => set.has(n),
      // sync reads: bundles hold tens of thousands of tiny files, and async reads wait on the thread pool
      read: async (n) => readFileSync(join(path, n)),
      stream: async (n) => createReadStream(join(path, n)),
      close: async () => {},
    };
  }
  return openZipBundle(path);
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
  const entries = new Map<string, yauzl.Entry>();
  const odd: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      const name = e.fileName;
      if (name.endsWith('/')) {
        // directory entry
      } else if (
        name.startsWith('/') ||
        name.split('/').some((s) => s === '..' || s === '.' || s === '') ||
        name.includes('\\') ||
        entries.has(name)
      ) {
        odd.push(name);
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
    return new Promise((resolve, reject) => zip.openReadStream(e, (err, s) => (err || !s ? reject(err) : resolve(s))));
  };
  return {
    files: [...entries.keys()].sort(),
    odd: odd.sort(),
    has: (n) => entries.has(n),
    read: async (n) => {
      const s = await stream(n);
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    stream,
    close: async () => {
      zip.close();
      await Promise.resolve();
    },
  };
}
