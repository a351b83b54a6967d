/**
 * Helpers for declaring and reading command options: collectors and small value parsers. Light on purpose —
 * the flag modules (main/cli/flags/*) use it and are loaded for every command, `--help` included — so it
 * imports nothing but the error codes; the commands take their parsed certificate options from here too, so that
 * no command bundle carries a second commander (scripts/build-cli.mjs).
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

/** pvattest's certificate options as parsed by commander (`--no-verify` arrives as `verify: false`). */
export interface CertificateFlags {
  verify?: boolean;
  cert?: string[];
  crt?: string[];
  crl?: string[];
  rootCa?: string;
  offline?: boolean;
}

/** The `-C` files given with `--cert` and with its alias `--crt`, in order. */
export function certFiles(flags: CertificateFlags): string[] {
  return [...(flags.cert ?? []), ...(flags.crt ?? [])];
}

/** Environment variable holding the passphrase of an encrypted `--identity` key (never a flag: argv is public). */
export const PASSPHRASE_ENV = 'SE_ATTEST_SSH_PASSPHRASE';
