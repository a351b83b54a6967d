/**
 * `se-attest verify` (pvattest verify): decrypt the request with the ARPK, recompute the measurement over the SE
 * header found in `--hdr` (a bare header or an image of any size: only the header's bytes are read, by position)
 * and compare. Output, messages and exit codes as Rust pvattest 2.43 (or C 2.32 with `--dialect c`).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { wipe } from '../../engine/bytes.js';
import { resolveSeHeaderTags, verifyAttestationResponse } from '../../engine/attest/verify.js';
import { ARPK_SIZE, type Dialect } from '../../engine/formats/arcb.js';
import { MAX_EXCHANGE_SIZE } from '../../engine/formats/exchange.js';
import { openFileForReading, readFileBounded } from '../../fs/index.js';
import { naming, writeFileChecked } from '../files.js';
import {
  formatVerifyJson,
  formatVerifyYaml,
  formatVerifyYamlC,
  reportVerificationOutcome,
} from '../format/attestation-output.js';
import type { CliIo } from '../io.js';

/** An ARPK file larger than this is not read at all (the key is 32 bytes). */
const MAX_ARPK_FILE_SIZE = 4096;

/** `verify`'s options as parsed. */
export interface VerifyOptions {
  dialect: Dialect;
  input: string;
  arpk: string;
  hdr: string;
  output?: string;
  format: 'yaml' | 'json';
  userData?: string;
  quiet?: boolean;
  /** `-v`: Rust pvattest prints the same for verify as by default. */
  verbose?: boolean;
  /** `-V`: C pvattest's verbose flag, deprecated in Rust pvattest (which warns and goes on). */
  V?: boolean;
}

/** Rust pvattest's warning for `-V`. */
const DEPRECATED_V_WARNING = "WARNING: Use of deprecated flag '-V'. Use '-v' or '--verbose' instead.\n";

/** Runs `verify`; a mismatch ends with exit 2 (CliExit). */
export async function runVerify(io: CliIo, opts: VerifyOptions): Promise<void> {
  if (opts.V) io.err(DEPRECATED_V_WARNING);
  const files = { cwd: io.cwd };
  const response = readFileBounded(opts.input, MAX_EXCHANGE_SIZE, files);
  const header = openFileForReading(opts.hdr, files);
  let result;
  try {
    // Rust pvattest creates (truncates) the output before verifying.
    if (opts.output) writeFileChecked(io.cwd, opts.output, '');
    const arpk = readFileBounded(opts.arpk, MAX_ARPK_FILE_SIZE, files);
    try {
      if (arpk.length !== ARPK_SIZE) {
        throw new AttestError(
          'ERR_ARPK_SIZE',
          `${opts.arpk}: Attestation request protection key must be exactly 32 bytes long`,
        );
      }
      const { tags, warnings } = naming(opts.hdr, () => resolveSeHeaderTags(header, opts.dialect));
      for (const w of warnings) if (!opts.quiet) io.err(`${w}\n`);
      result = naming(opts.input, () =>
        verifyAttestationResponse({ response, arpk, seHeader: tags, dialect: opts.dialect }),
      );
    } finally {
      wipe(arpk);
    }
  } finally {
    header.close();
  }
  reportVerificationOutcome(io, result, opts.quiet);
  const text =
    opts.format === 'json'
      ? formatVerifyJson(result)
      : opts.dialect === 'c'
        ? formatVerifyYamlC(result)
        : formatVerifyYaml(result);
  if (opts.output) writeFileChecked(io.cwd, opts.output, text);
  if (opts.userData) {
    if (result.userData) writeFileChecked(io.cwd, opts.userData, result.userData);
    else if (!opts.quiet) io.err('Location for `user-data` specified, but respose does not contain any user-data\n');
  }
}
