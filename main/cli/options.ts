/**
 * Helpers for declaring and reading command options: collectors and small value parsers. Light on purpose —
 * the flag modules (main/cli/flags/*) use it and are loaded for every command, `--help` included — so it
 * imports nothing but the error codes.
 */
import { AttestError } from '../../shared/errors/index.js';

/** A commander collector for repeatable, comma-separated options (pvattest's `-k A -k B` or `-k A,B`). */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

/** pvattest's `true|false` option values. */
export function parseBool(value: string, option: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AttestError('ERR_CLI_USAGE', `invalid value '${value}' for '${option}' [possible values: true, false]`);
}
