/**
 * Where an export writes the bundle: a directory (small files written synchronously — tens of thousands of
 * tiny async writes mostly wait on the thread pool) or a zip streamed straight to disk (no
 * intermediate files, so no ARPK ever lands outside the zip). Large files (evidence.json, report.pdf) are
 * produced at `pathFor(name)` and then committed.
 */
import { chmodSync, createReadStream, createWriteStream, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { Zip, ZipPassThrough } from 'fflate';
import { createDeflateRaw } from 'node:zlib';
import { SECRET_FILE_MODE, writeSecretFile } from '../../fs/index.js';

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
/** Size of the zip sink's writes (see createZipSink). */
const ZIP_WRITE_SIZE = 1024 * 1024;
const utf8 = new TextEncoder();

/** A bundle being written. */
export interface BundleSink {
  /** Writes a small file (bundle-relative path) with a POSIX mode. */
  put(rel: string, bytes: Uint8Array | string, mode?: number): void;
  /** Where to produce a large file before `commit`. */
  pathFor(rel: string): string;
  /** Adds the file produced at `pathFor(rel)`. */
  commit(rel: string): Promise<void>;
  /** Resolves when buffered output is below the high-water mark. */
  drain(): Promise<void>;
  finish(): Promise<void>;
  /** Removes partial output. */
  abort(): Promise<void>;
}

/**
 * A zip entry deflated by Node's zlib (native code, on the thread pool) through fflate's documented extension
 * point (a ZipPassThrough whose `process` compresses; fflate keeps computing the CRC and size of the input).
 * fflate's own deflate is JavaScript on the main thread: ≈ 0.8 CPU-s of a year's export for evidence.json and the
 * other top-level JSON files (`npm run bench evidence`, profiled), about three times zlib's cost.
 */
class NativeZipDeflate extends ZipPassThrough {
  readonly #deflate = createDeflateRaw({ level: 6 });
  constructor(filename: string) {
    super(filename);
    this.compression = 8; // deflate (APPNOTE 4.4.5)
    this.#deflate.on('data', (chunk: Buffer) =>
      this.ondata(null, new Uint8Array(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.length), false),
    );
    this.#deflate.on('end', () => this.ondata(null, new Uint8Array(0), true));
    this.#deflate.on('error', (err: Error) => this.ondata(Object.assign(err, { code: 0 }), new Uint8Array(0), true));
  }
  override process(chunk: Uint8Array, final: boolean): void {
    if (chunk.length > 0) this.#deflate.write(chunk);
    if (final) this.#deflate.end();
  }
  /** Resolves when zlib's input buffer has room again (a committed file is read no faster than it deflates). */
  async drained(): Promise<void> {
    if (this.#deflate.writableNeedDrain) await once(this.#deflate, 'drain');
  }
}

/** A sink writing into directory `dir` (created by the caller). */
export function createDirectorySink(dir: string): BundleSink {
  const made = new Set<string>(['.']);
  const ensureDir = (rel: string) => {
    const d = dirname(rel);
    if (made.has(d)) return;
    mkdirSync(join(dir, d), { recursive: true });
    made.add(d);
  };
  return {
    put(rel, bytes, mode = 0o644) {
      ensureDir(rel);
      const full = join(dir, rel);
      // secret files (ARPKs): a new 0600 file renamed into place, never written through a symlink
      if (mode === SECRET_FILE_MODE) writeSecretFile(full, bytes, { durable: false });
      else {
        writeFileSync(full, bytes, { mode });
        if (mode !== 0o644) chmodSync(full, mode);
      }
    },
    pathFor(rel) {
      ensureDir(rel);
      return join(dir, rel);
    },
    commit: async () => {},
    drain: async () => {},
    finish: async () => {},
    abort: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A sink streaming a zip to `zipPath` (fflate's streaming Zip: constant work per entry; yazl 3.3 rescans its
 * entry list for every entry, which is quadratic at 50,000 entries); `scratch` holds large files until they
 * are committed. Entries carry Unix modes (0600 for ARPKs) and a fixed mtime.
 */
export function createZipSink(zipPath: string, scratch: string): BundleSink {
  const fd = openSync(zipPath, 'wx', 0o600); // throws EEXIST now, not later; 0600: the zip holds ARPKs
  const out = createWriteStream(zipPath, { fd });
  let failure: Error | undefined;
  // fflate hands out a header, the data and a descriptor per entry: 150,000 writes for a year's 50,000 files,
  // whose system calls cost more than the zip itself (`npm run bench evidence`, profiled). They are copied into
  // one buffer, written when it is full (and at the end).
  let pending = Buffer.allocUnsafe(ZIP_WRITE_SIZE);
  let used = 0;
  const flush = () => {
    if (used === 0) return;
    out.write(pending.subarray(0, used));
    pending = Buffer.allocUnsafe(ZIP_WRITE_SIZE);
    used = 0;
  };
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      failure = err;
      out.destroy(err);
      return;
    }
    if (chunk.length > ZIP_WRITE_SIZE - used) flush();
    if (chunk.length >= ZIP_WRITE_SIZE) out.write(Buffer.from(chunk));
    else {
      pending.set(chunk, used);
      used += chunk.length;
    }
    if (final) {
      flush();
      out.end();
    }
  });
  const done = finished(out);
  done.catch(() => {});
  const entry = (rel: string, mode: number) => {
    // only the big top-level JSON files are worth deflating; tiny per-attestation entries are stored as is
    const f = !rel.includes('/') && rel.endsWith('.json') ? new NativeZipDeflate(rel) : new ZipPassThrough(rel);
    f.mtime = FIXED_MTIME;
    f.os = 3; // Unix: attrs carry the file mode
    f.attrs = (0o100000 | mode) * 0x10000;
    zip.add(f);
    return f;
  };
  const drain = async () => {
    if (failure) throw failure;
    if (out.writableNeedDrain) await once(out, 'drain');
  };
  return {
    put(rel, bytes, mode = 0o644) {
      entry(rel, mode).push(typeof bytes === 'string' ? utf8.encode(bytes) : bytes, true);
    },
    pathFor(rel) {
      return join(scratch, rel.replaceAll('/', '_'));
    },
    async commit(rel) {
      const f = entry(rel, 0o644);
      for await (const chunk of createReadStream(join(scratch, rel.replaceAll('/', '_')))) {
        f.push(chunk as Buffer);
        if (f instanceof NativeZipDeflate) await f.drained();
        await drain();
      }
      f.push(new Uint8Array(0), true);
    },
    drain,
    async finish() {
      zip.end();
      await done;
      if (failure) throw failure;
    },
    async abort() {
      zip.terminate();
      out.destroy();
      rmSync(zipPath, { force: true });
    },
  };
}
