/**
 * pvattest's certificate options, shared by `create` and `attest` (spec hostkey-verification §2); their parsed
 * form (`CertificateFlags`, `certFiles`) is in ../options.ts, which the commands use without loading commander.
 */
import { type Command, Option } from 'commander';
import { collectList } from '../options.js';

/** Adds `--no-verify`, `-C/--cert` (alias `--crt`), `--crl`, `--root-ca` and `--offline` to a command. */
export function addCertificateOptions(cmd: Command): Command {
  return cmd
    .option('--no-verify', 'do not verify the host-key documents (insecure; prints a warning)')
    .option('-C, --cert <FILE>', 'certificate: IBM Z signing key and intermediate CA (repeatable)', collectList)
    .addOption(new Option('--crt <FILE>', 'alias of --cert').hideHelp().argParser(collectList))
    .option('--crl <FILE>', 'certificate revocation list (repeatable)', collectList)
    .option('--root-ca <FILE>', 'root CA to trust instead of the configured set')
    .option('--offline', 'do not download CRLs');
}
