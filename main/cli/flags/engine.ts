/**
 * Flags and help of the pvattest-compatible commands: `create`, `verify`, `check`, `extract-hdr`
 * (pvextract-hdr) and `perform` (the software Ultravisor). Each action loads its implementation
 * (main/cli/commands/<command>.ts) only when the command runs.
 */
import { type Command, Option } from 'commander';
import { ADD_DATA_KINDS } from '../../../shared/types/policy.js';
import type { CheckOptions } from '../commands/check.js';
import type { CreateOptions } from '../commands/create.js';
import type { ExtractOptions } from '../commands/extract-hdr.js';
import type { PerformOptions } from '../commands/perform.js';
import type { VerifyOptions } from '../commands/verify.js';
import type { CliIo } from '../io.js';
import { collectList } from '../options.js';
import { addCertificateOptions } from './certificate-options.js';

/** `--add-data`'s help: the kinds a request may ask for. */
export const ADD_DATA_HELP = `additional data to request: ${ADD_DATA_KINDS.join(', ')}`;

/** The positional arguments given, without the ones left out. */
function given(...args: (string | undefined)[]): string[] {
  return args.filter((v): v is string => v !== undefined);
}

/** Registers create, verify, check, extract-hdr and perform on `program`. */
export function registerEngineCommands(program: Command, io: CliIo): void {
  addCertificateOptions(
    program
      .command('create')
      .description('create an attestation request (pvattest create)')
      .requiredOption(
        '-k, --host-key-document <FILE>',
        'host-key document (repeatable or comma-separated)',
        collectList,
      ),
  )
    .option('--at <ISO-TIME>', 'verify the host-key documents as of this time')
    .requiredOption('-a, --arpk <FILE>', 'where to write the attestation request protection key (mode 0600)')
    .requiredOption('-o, --output <FILE>', 'where to write the request')
    .option('--add-data <LIST>', ADD_DATA_HELP, collectList)
    .option('-q, --quiet', 'print only errors')
    .addOption(new Option('--x-no-nonce', 'leave out the nonce (C pvattest experimental option)').hideHelp())
    .addOption(new Option('--x-phkh-img', 'C pvattest: as --add-data phkh-img').hideHelp())
    .addOption(new Option('--x-phkh-att', 'C pvattest: as --add-data phkh-att').hideHelp())
    .action(async (opts: CreateOptions) => (await import('../commands/create.js')).runCreate(io, opts));

  program
    .command('verify')
    .description('verify an attestation response (pvattest verify)')
    .requiredOption('-i, --input <FILE>', 'the response from perform')
    .requiredOption('-a, --arpk <FILE>', 'the attestation request protection key from create')
    .requiredOption('--hdr <FILE>', 'the SE header or SE image of the guest')
    .option('-o, --output <FILE>', 'write the result here')
    .addOption(new Option('--format <FORMAT>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-u, --user-data <FILE>', 'write the verified user data here')
    .option('-q, --quiet', 'print nothing on success or mismatch')
    .option('-v, --verbose', 'print the summary (as by default: what pvattest -v prints for verify)')
    .addOption(new Option('-V', "deprecated spelling of -v (pvattest's warning)").hideHelp())
    .addOption(
      new Option('--dialect <TOOL>', "reader rules and YAML of IBM's Rust pvattest (2.33+) or of the C one (≤ 2.32)")
        .choices(['rust', 'c'])
        .default('rust'),
    )
    .action(async (opts: VerifyOptions) => (await import('../commands/verify.js')).runVerify(io, opts));

  program
    .command('check')
    .description('check an attestation response against policies (pvattest check)')
    .argument('[IN]')
    .argument('[OUT]')
    .option('-i, --input <FILE>', 'the response')
    .option('-o, --output <FILE>', 'where to write the check result (YAML)')
    .option('--format <FORMAT>', 'output format (yaml)', 'yaml')
    .option('-k, --host-key-document <FILE>', 'host-key document to match the PHKHs against', collectList)
    .option('--host-key-check <CHECK>', 'enforce: att-key-hash, boot-key-hash', collectList)
    .option('-u, --user-data <FILE>', 'expected user data')
    .option('--secret <FILE>', 'add-secret request, in the order they were added', collectList)
    .option('--secret-store-locked <LOCKED>', 'whether the secret store is locked (true|false)')
    .option(
      '--firmware',
      "verify the response's firmware state with IBM's firmware verification server (sends the state there)",
    )
    .option('--firmware-check-version <VERSION>', 'firmware verification protocol: 1 or 2 (default 1)')
    .addOption(new Option('--fw-ver <VERSION>', 'alias of --firmware-check-version'))
    .option('--firmware-verify-url <URL>', "the firmware verification server to ask instead of IBM's")
    .option('--firmware-timeout <SECONDS>', 'give up on the firmware verification server after this long (120)')
    .option('-q, --quiet', 'print nothing')
    .action(async (inArg: string | undefined, outArg: string | undefined, opts: CheckOptions) =>
      (await import('../commands/check.js')).runCheck(io, opts, given(inArg, outArg)),
    );

  program
    .command('extract-hdr')
    .description("extract the SE header from an SE image (pvextract-hdr's window search)")
    .argument('<IMAGE>')
    .option('-o, --output <FILE>', 'output file', 'sehdr.bin')
    .option('-s, --skip <PAGES>', 'pages to skip', '0x14')
    .option('-l, --length <PAGES>', 'pages to search', '0x4')
    .addOption(
      new Option('--search <MODE>', "window: pvextract-hdr's search; image: pvattest's (metadata or page probe)")
        .choices(['window', 'image'])
        .default('window'),
    )
    .action(async (image: string, opts: ExtractOptions) =>
      (await import('../commands/extract-hdr.js')).runExtractHdr(io, opts, image),
    );

  program
    .command('perform')
    .description('answer an attestation request with the software Ultravisor (demo and test guests)')
    .argument('[IN]')
    .argument('[OUT]')
    .option('-i, --input <FILE>', 'the request')
    .option('-o, --output <FILE>', 'where to write the response')
    .option('--host-key <KEY.pem>', 'host private key (P-521 PEM; repeatable)', collectList)
    .requiredOption('--hdr <FILE>', "the guest's SE header or image")
    .option('--cuid <HEX>', 'configuration unique ID (16 bytes); random by default')
    .option('-u, --user-data <FILE>', 'user data (at most 256 bytes)')
    .option('--secret <FILE>', 'add-secret requests already applied, in order', collectList)
    .option('--secret-store-locked <LOCKED>', 'whether the secret store is locked (true|false)')
    .action(async (inArg: string | undefined, outArg: string | undefined, opts: PerformOptions) =>
      (await import('../commands/perform.js')).runPerform(io, opts, given(inArg, outArg)),
    );
}
