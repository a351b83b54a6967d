/** Flags and help of `hkd verify`; the work is in main/cli/commands/hkd.ts, loaded when the command runs. */
import { type Command, Option } from 'commander';
import type { HkdVerifyOptions } from '../commands/hkd.js';
import type { CliIo } from '../io.js';
import { collectList } from '../options.js';

/** Adds `hkd verify` to the program. */
export function registerHkdCommands(program: Command, io: CliIo): void {
  const hkd = program.command('hkd').description('host-key document (HKD) tools');
  hkd
    .command('verify')
    .description('verify host-key documents against the IBM Z signing key, its chain and CRLs')
    .requiredOption(
      '-k, --host-key-document <FILE>',
      'host-key document (PEM or DER); repeatable or comma-separated',
      collectList,
    )
    .option(
      '-C, --cert <FILE>',
      'IBM Z signing key and intermediate CA certificates; repeatable or comma-separated (required)',
      collectList,
    )
    .addOption(new Option('--crt <FILE>', 'alias of --cert').hideHelp().argParser(collectList))
    .option('--crl <FILE>', 'CRL file (PEM with one or more CRLs, or DER); repeatable or comma-separated', collectList)
    .option('--root-ca <FILE>', 'trust anchor(s): every certificate in the file')
    .option('--offline', 'never download CRLs; every CRL must be given locally')
    .option('--at <ISO-TIME>', 'verification time (default: now)')
    .option('--format <FORMAT>', 'text or json', 'text')
    .option('--save-crls <DIR>', 'online: keep every downloaded CRL in DIR (PEM, "X509 CRL") for later --offline use')
    .action(async (opts: HkdVerifyOptions & { saveCrls?: string }) =>
      (await import('../commands/hkd.js')).runHkdVerify(io, opts),
    );
}
