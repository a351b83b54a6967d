/** Helpers for evidence tamper tests: copy a bundle, flip a byte, re-sign a bundle with any key, zip a folder. */
import type { KeyObject } from 'node:crypto';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_FILES, IN_TOTO_PAYLOAD_TYPE } from '../../shared/types/evidence.js';
import { signDsseEnvelope, type DsseEnvelope } from '../../main/services/evidence/dsse.js';
import { hashFile } from '../../main/services/evidence/export.js';
import { workstationKeyFrom } from '../../main/services/evidence/signing-key.js';
import { createZipSink } from '../../main/services/evidence/bundle-sink.js';
import { listDirectory } from '../../main/services/evidence/zip.js';

/** Copies a bundle directory. */
export function copyBundle(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** Zips a (tampered) bundle folder with the exporter's own zip writer, keeping each file's mode. */
export async function zipBundleDirectory(dir: string, zipPath: string): Promise<void> {
  const sink = createZipSink(zipPath, dir);
  const { files } = await listDirectory(dir);
  for (const f of files) sink.put(f, readFileSync(join(dir, f)), statSync(join(dir, f)).mode & 0o777);
  await sink.finish();
}

/** Flips one bit of the byte at `offset` (default: the middle). */
export function flipByte(path: string, offset?: number): void {
  const b = readFileSync(path);
  const at = offset ?? Math.floor(b.length / 2);
  b[at] = b[at]! ^ 0x01;
  writeFileSync(path, b);
}

/** Re-computes every subject from the files and signs the manifest with `privateKey`; with `replaceKey`, also swaps the bundled public key and the predicate's fingerprint. */
export async function resignBundle(
  dir: string,
  privateKey: KeyObject,
  opts: { replaceKey?: boolean } = {},
): Promise<void> {
  const key = workstationKeyFrom(privateKey);
  if (opts.replaceKey) writeFileSync(join(dir, BUNDLE_FILES.publicKey), key.publicKeyPem);
  const old = JSON.parse(readFileSync(join(dir, BUNDLE_FILES.manifest), 'utf8')) as DsseEnvelope;
  const statement = JSON.parse(Buffer.from(old.payload, 'base64').toString('utf8')) as {
    subject: unknown;
    predicate: Record<string, unknown>;
  };
  const { files } = await listDirectory(dir);
  statement.subject = files
    .filter((f) => f !== BUNDLE_FILES.manifest)
    .map((name) => ({ name, digest: { sha256: '' }, annotations: { size: statSync(join(dir, name)).size } }));
  // hashed as streams: crafted files may be hundreds of MiB
  for (const subject of statement.subject as { name: string; digest: { sha256: string } }[])
    subject.digest.sha256 = await hashFile(join(dir, subject.name));
  if (opts.replaceKey) statement.predicate.workstationKeyFingerprint = key.fingerprint;
  const env = signDsseEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement)),
    key.privateKey,
    key.fingerprint,
  );
  writeFileSync(join(dir, BUNDLE_FILES.manifest), JSON.stringify(env));
}
