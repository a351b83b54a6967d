/**
 * Crafting hostile evidence bundles (issue 12): edit evidence.json or other JSON files in a copied bundle,
 * zip a bundle folder and patch its zip headers (encrypted flag, compression method, declared sizes), and
 * zips with entries that inflate to hundreds of MiB from a few KiB (streamed: the crafting process never
 * holds them).
 */
import { closeSync, createWriteStream, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';
import { Zip, ZipDeflate, type ZipInputFile } from 'fflate';
import { listDirectory } from '../../main/services/evidence/zip.js';

/** Rewrites a JSON file of a bundle folder through `edit` (which may return a replacement). */
export function editJson(dir: string, name: string, edit: (doc: Record<string, unknown>) => unknown): void {
  const path = join(dir, name);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const replaced = edit(doc);
  writeFileSync(path, JSON.stringify(replaced === undefined ? doc : replaced));
}

/** A readable of `size` zero bytes, produced in 1 MiB chunks. */
export function zeros(size: number): Readable {
  let left = size;
  const chunk = Buffer.alloc(1 << 20);
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/**
 * Zips a bundle folder with fflate (the project's one zip writer); `replace` gives entries of `size` zero bytes
 * (e.g. 600 MiB), deflated by Node's zlib as they stream, so a bomb is a few KiB on disk and never held.
 */
export async function zipBundle(
  dir: string,
  zipPath: string,
  replace: Record<string, { size: number }> = {},
): Promise<void> {
  const out = createWriteStream(zipPath);
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
  const { files } = await listDirectory(dir);
  for (const f of [...files, ...Object.keys(replace).filter((f) => !files.includes(f))]) {
    const r = replace[f];
    if (r) await addDeflatedStream(zip, f, zeros(r.size));
    else {
      const entry = new ZipDeflate(f, { level: 6 });
      zip.add(entry);
      entry.push(readFileSync(join(dir, f)), true);
    }
  }
  zip.end();
  await done;
  if (failure) throw failure;
}

/** Adds entry `name` holding what `source` yields, deflated by Node's zlib (fast for large entries). */
async function addDeflatedStream(zip: Zip, name: string, source: Readable): Promise<void> {
  const entry: ZipInputFile = { filename: name, size: 0, crc: 0, compression: 8 };
  zip.add(entry);
  let crc = 0;
  let size = 0;
  source.on('data', (chunk: Buffer) => {
    crc = crc32(chunk, crc);
    size += chunk.length;
  });
  const deflate = source.pipe(createDeflateRaw());
  for await (const chunk of deflate) entry.ondata!(null, new Uint8Array(chunk as Buffer), false);
  // size and CRC must be right before the entry's last chunk: the data descriptor and central directory carry them
  entry.size = size;
  entry.crc = crc;
  entry.ondata!(null, new Uint8Array(0), true);
}

/** Patches of one zip entry's headers (central directory, and the local header where it holds the field). */
export interface ZipPatch {
  /** Sets the general-purpose flag bits. */
  readonly setFlags?: number;
  readonly method?: number;
  /** The declared uncompressed size. */
  readonly uncompressedSize?: number;
}

/** Patches the headers of entry `name` in `zipPath` in place. */
export function patchZipEntry(zipPath: string, name: string, patch: ZipPatch): void {
  const buf = readFileSync(zipPath);
  const nameBytes = Buffer.from(name, 'utf8');
  let patched = 0;
  for (let i = 0; i + 46 < buf.length; i++) {
    const sig = buf.readUInt32LE(i);
    if (sig === 0x02014b50) {
      const len = buf.readUInt16LE(i + 28);
      if (len === nameBytes.length && buf.subarray(i + 46, i + 46 + len).equals(nameBytes)) {
        if (patch.setFlags !== undefined) buf.writeUInt16LE(buf.readUInt16LE(i + 8) | patch.setFlags, i + 8);
        if (patch.method !== undefined) buf.writeUInt16LE(patch.method, i + 10);
        if (patch.uncompressedSize !== undefined) buf.writeUInt32LE(patch.uncompressedSize, i + 24);
        patched++;
      }
    } else if (sig === 0x04034b50) {
      const len = buf.readUInt16LE(i + 26);
      if (len === nameBytes.length && buf.subarray(i + 30, i + 30 + len).equals(nameBytes)) {
        if (patch.setFlags !== undefined) buf.writeUInt16LE(buf.readUInt16LE(i + 6) | patch.setFlags, i + 6);
        if (patch.method !== undefined) buf.writeUInt16LE(patch.method, i + 8);
      }
    }
  }
  if (patched !== 1) throw new Error(`zip entry ${name} found ${patched} times in the central directory`);
  writeFileSync(zipPath, buf);
}

/** Makes `path` a sparse file of `size` bytes (zeros, no disk blocks). */
export function sparseFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.from([0]), 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
}
