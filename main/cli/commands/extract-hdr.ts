/**
 * `se-attest extract-hdr` (pvextract-hdr, spec §6.4; `--search image`: Rust pvattest's search, §6.3). Only the
 * search window (or the metadata and probe pages) and the header itself are read, by position: memory does not
 * grow with the image, whatever its size. stdout is pvextract-hdr's, byte for byte; where the script fails,
 * its stderr line is kept and a coded `error:` line follows.
 */
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import {
  PAGE_SIZE,
  locateSeHeader,
  readSeHeaderAt,
  refuseOversizedWindowMatch,
  searchSeHeaderWindow,
} from '../../engine/formats/se-header.js';
import { openFileForReading, type RandomAccessFile } from '../../fs/index.js';
import { naming, writeFileChecked } from '../files.js';
import { CliExit, EXIT_ERROR, describeError, type CliIo } from '../io.js';

/** `extract-hdr`'s options as parsed. */
export interface ExtractOptions {
  output: string;
  skip: string;
  length: string;
  search: 'window' | 'image';
}

/** Parses a bash-arithmetic page count as pvextract-hdr does (`0x13`, `19`, `023`). */
function parsePageCount(text: string): number {
  const t = text.trim();
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = Number.parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) n = Number.parseInt(t.slice(1), 8);
  else if (/^[0-9]+$/.test(t)) n = Number.parseInt(t, 10);
  else throw new AttestError('ERR_CLI_USAGE', `invalid page count '${text}'`);
  if (!Number.isSafeInteger(n) || n > 0x100000)
    throw new AttestError('ERR_CLI_USAGE', `page count '${text}' is too large`);
  return n;
}

/** pvextract-hdr's offset rendering: od's address column with `0x`, at least 6 hex digits. */
function formatOffset(offset: number): string {
  return `0x${offset.toString(16).padStart(6, '0')}`;
}

/** Ends the command: pvextract-hdr's own stderr line (if it has one), then the coded line, exit 1. */
function fail(io: CliIo, ibmLine: string | undefined, error: AttestError): never {
  if (ibmLine !== undefined) io.err(`${ibmLine}\n`);
  io.err(`error: ${describeError(error)}\n`);
  throw new CliExit(EXIT_ERROR);
}

/** Runs `extract-hdr`. */
export function runExtractHdr(io: CliIo, opts: ExtractOptions, image: string): void {
  let file: RandomAccessFile;
  try {
    file = openFileForReading(image, { cwd: io.cwd });
  } catch (e) {
    if (isAttestError(e, 'ERR_FS_OPEN')) fail(io, `ERROR: File '${image}' not found`, e);
    throw e;
  }
  try {
    if (opts.search === 'image') extractByImageSearch(io, opts, image, file);
    else extractByWindow(io, opts, image, file);
  } finally {
    file.close();
  }
}

function extractByImageSearch(io: CliIo, opts: ExtractOptions, image: string, file: RandomAccessFile): void {
  const { offset, header } = naming(image, () => {
    const at = locateSeHeader(file).offset;
    return { offset: at, header: readSeHeaderAt(file, at) };
  });
  io.out(`SE header found at offset ${formatOffset(offset)}\n`);
  writeFileChecked(io.cwd, opts.output, header);
  io.out(`SE header written to '${opts.output}' (${header.length} bytes)\n`);
}

function extractByWindow(io: CliIo, opts: ExtractOptions, image: string, file: RandomAccessFile): void {
  const skipPages = parsePageCount(opts.skip);
  const lengthPages = parsePageCount(opts.length);
  const match = searchSeHeaderWindow(file, { skipPages, lengthPages });
  const window = `0x${(skipPages * PAGE_SIZE).toString(16)}..0x${((skipPages + lengthPages) * PAGE_SIZE).toString(16)}`;
  switch (match.outcome) {
    case 'not-found':
      return fail(
        io,
        `ERROR: ${image} does not contain an SE header.`,
        new AttestError('ERR_SEHDR_NOT_FOUND', `${image}: no SE header in the search window ${window} (-s, -l)`),
      );
    case 'multiple':
      for (const o of match.offsets) io.out(`SE header found at offset ${formatOffset(o)}\n`);
      io.out('WARNING: unknown hdr version ');
      return fail(
        io,
        undefined,
        new AttestError(
          'ERR_SEHDR_MULTIPLE',
          `${image} contains more than one SE header in the search window ${window}; narrow it with -s and -l`,
        ),
      );
    case 'bad-version':
      io.out(`SE header found at offset ${formatOffset(match.offset)}\n`);
      io.out('WARNING: unknown hdr version ');
      return fail(
        io,
        undefined,
        new AttestError(
          'ERR_SEHDR_VERSION',
          `the SE header at ${formatOffset(match.offset)} of ${image} has an unknown version`,
        ),
      );
    case 'extracted': {
      io.out(`SE header found at offset ${formatOffset(match.offset)}\n`);
      try {
        refuseOversizedWindowMatch(match, ` at ${formatOffset(match.offset)} of ${image}`);
      } catch (e) {
        if (isAttestError(e)) fail(io, undefined, e);
        throw e;
      }
      writeFileChecked(io.cwd, opts.output, file.read(match.offset, match.length));
      io.out(`SE header written to '${opts.output}' (${match.sizeField} bytes)\n`);
    }
  }
}
