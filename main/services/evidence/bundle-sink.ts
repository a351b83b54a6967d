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
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { SECRET_FILE_MODE, writeSecretFile } from '../../fs/index.js';

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

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
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      failure = err;
      out.destroy(err);
      return;
    }
    out.write(chunk);
    if (final) out.end();
  });
  const done = finished(out);
  done.catch(() => {});
  const entry = (rel: string, mode: number) => {
    // only the big top-level JSON files are worth deflating; tiny per-attestation entries are stored as is
    const f = !rel.includes('/') && rel.endsWith('.json') ? new ZipDeflate(rel, { level: 6 }) : new ZipPassThrough(rel);
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
      entry(rel, mode).push(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes, true);
    },
    pathFor(rel) {
      return join(scratch, rel.replaceAll('/', '_'));
    },
    async commit(rel) {
      const f = entry(rel, 0o644);
      for await (const chunk of createReadStream(join(scratch, rel.replaceAll('/', '_')))) {
        f.push(chunk as Buffer);
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
