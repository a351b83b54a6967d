/**
 * `se-attest perform`: answers an attestation request with the software Ultravisor (demo and test guests), as
 * `pvattest perform` does on a real guest. `--hdr` may be an image of any size: only its header is read.
 */
import { randomBytes } from 'node:crypto';
import { AttestError } from '../../../shared/errors/index.js';
import { performAttestation } from '../../engine/attest/ultravisor.js';
import { fromHex, wipe } from '../../engine/bytes.js';
import { p521PrivateKeyFromPem } from '../../engine/crypto/p521.js';
import { ASRCB_MAX_SIZE, readAddSecretRequestTag } from '../../engine/formats/asrcb.js';
import { MAX_EXCHANGE_SIZE, MAX_USER_DATA_SIZE } from '../../engine/formats/exchange.js';
import { extractSeHeader } from '../../engine/formats/se-header.js';
import { readFileBounded, withFileForReading } from '../../fs/index.js';
import { naming, writeFileChecked } from '../files.js';
import type { CliIo } from '../io.js';
import { parseBool } from '../options.js';

/** A PEM private key file larger than this is not read. */
const MAX_KEY_FILE_SIZE = 64 * 1024;

/** `perform`'s options as parsed. */
export interface PerformOptions {
  input?: string;
  output?: string;
  hostKey?: string[];
  hdr: string;
  cuid?: string;
  userData?: string;
  secret?: string[];
  secretStoreLocked?: string;
}

/** Runs `perform`. */
export function runPerform(io: CliIo, opts: PerformOptions, positional: string[]): void {
  const input = opts.input ?? positional[0];
  const output = opts.output ?? positional[opts.input ? 0 : 1];
  if (!input || !output)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: <IN> <OUT>');
  if (!opts.hostKey?.length)
    throw new AttestError('ERR_CLI_USAGE', 'the software Ultravisor needs at least one --host-key');
  const files = { cwd: io.cwd };
  const request = readFileBounded(input, MAX_EXCHANGE_SIZE, files);
  const seHeader = naming(opts.hdr, () => withFileForReading(opts.hdr, files, (f) => extractSeHeader(f)));
  const cuid = opts.cuid ? fromHex(opts.cuid) : new Uint8Array(randomBytes(16));
  if (cuid.length !== 16)
    throw new AttestError('ERR_CUID_SIZE', `--cuid must be 16 bytes (32 hex digits), is ${cuid.length}`);
  const userData = opts.userData ? readFileBounded(opts.userData, MAX_USER_DATA_SIZE + 1, files) : undefined;
  if (userData && userData.length > MAX_USER_DATA_SIZE)
    throw new AttestError('ERR_USER_DATA_SIZE', `${opts.userData}: user data must be at most 256 bytes`);
  const secretStore =
    opts.secretStoreLocked === undefined
      ? undefined
      : {
          locked: parseBool(opts.secretStoreLocked, '--secret-store-locked'),
          tags: (opts.secret ?? []).map((p) =>
            naming(p, () => readAddSecretRequestTag(readFileBounded(p, ASRCB_MAX_SIZE, files))),
          ),
        };
  const hostPrivateKeys = opts.hostKey.map((path) =>
    naming(path, () =>
      p521PrivateKeyFromPem(Buffer.from(readFileBounded(path, MAX_KEY_FILE_SIZE, files)).toString('utf8')),
    ),
  );
  try {
    const response = naming(input, () =>
      performAttestation({ request, hostPrivateKeys, seHeader, cuid, userData, secretStore }),
    );
    writeFileChecked(io.cwd, output, response);
  } finally {
    for (const k of hostPrivateKeys) wipe(k);
  }
}
