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
import yazl from 'yazl';
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

/** Zips a bundle folder; `replace` gives entries streamed from elsewhere (e.g. 600 MiB of zeros, deflated). */
export async function zipBundle(
  dir: string,
  zipPath: string,
  replace: Record<string, { size: number }> = {},
): Promise<void> {
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath);
  zip.outputStream.pipe(out);
  const { files } = await listDirectory(dir);
  for (const f of files) {
    const r = replace[f];
    if (r) zip.addReadStream(zeros(r.size), f, { compress: true, size: r.size });
    else zip.addFile(join(dir, f), f, { compress: true });
  }
  for (const [f, r] of Object.entries(replace))
    if (!files.includes(f)) zip.addReadStream(zeros(r.size), f, { compress: true, size: r.size });
  zip.end();
  await finished(out);
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
