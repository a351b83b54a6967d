/**
 * Flags and help of `secret create` (pvsecret create with its subcommands `meta`, `association`, `retrievable` /
 * `retr`, `update-cck` / `cck`) and `secret verify` (pvsecret verify). The work is in main/cli/commands/secret.ts,
 * loaded when a command runs.
 */
import { type Command, Option } from 'commander';
import type { SecretCreateOptions, SecretKindOptions, SecretVerifyOptions } from '../commands/secret.js';
import type { CliIo } from '../io.js';
import { collectList } from '../options.js';
import { addCertificateOptions } from './certificate-options.js';

const load = () => import('../commands/secret.js');
const increase = (_: string, previous: number) => previous + 1;
/** pvsecret's `retrievable --type` values (checked again where the secret is built). */
const RETRIEVABLE_TYPES_HELP = 'plain, aes, aes-xts, hmac-sha, ec';

/** Registers `secret create …` and `secret verify`. */
export function registerSecretCommands(program: Command, io: CliIo): void {
  const secret = program.command('secret').description("IBM add-secret requests: pvsecret's create and verify");
  const create = addCertificateOptions(
    secret
      .command('create')
      .description('create an add-secret request (pvsecret create)')
      .option('-k, --host-key-document <FILE>', 'host-key document (repeatable or comma-separated)', collectList),
  )
    .option('--at <ISO-TIME>', 'verify the host-key documents as of this time')
    .option('--hdr <FILE>', 'the SE header or SE image the secret is bound to')
    .option('-f, --force', 'create the request even on a Secure Execution guest')
    .option('-o, --output <FILE>', 'where to write the request (- for stdout)')
    .option('--extension-secret <FILE>', 'a 32-byte extension secret')
    .option('--cck <FILE>', 'the 32-byte customer communication key: derive the extension secret from it')
    .option('--cuid-hex <HEXSTRING>', 'bind to this CUID (32 hex digits)')
    .option(
      '--cuid <FILE>',
      'bind to the CUID in this file: 16 raw bytes, or a verified attestation result (YAML/JSON)',
    )
    .option(
      '--attestation <ID>',
      'bind to the CUID (and SE header) of this stored attestation, which must have verified',
    )
    .option('--db <PATH>', 'database holding --attestation (default $SE_ATTEST_DB or the per-user database)')
    .option('--flags <FLAGS>', 'request flags: disable-dump', collectList)
    .addOption(new Option('--pcf <HEX>', 'raw request flags (no validity checks)').hideHelp())
    .option(
      '--user-data <FILE>',
      'user data (at most 512 bytes, 256 when signed with EC or RSA 2048, 128 with RSA 3072)',
    )
    .option('--user-sign-key <FILE>', 'sign the request with this EC P-521 or RSA 2048/3072 private key')
    .option('--policy <FILE>', 'carry a reference (SHA-256 and path) to this policy file as user data')
    .option('--toc-policy <FILE>', "append the request's tag (hex) to this file")
    .option('--use-name', 'use the name (31 bytes) as the secret ID instead of its SHA-256')
    .option('-v, --verbose', 'more messages', increase, 0)
    .option('-q, --quiet', 'errors only');
  const parentOpts = (cmd: Command) => cmd.parent!.opts<SecretCreateOptions>();
  create
    .command('meta')
    .description('a meta secret (carries flags only)')
    .action(async (_o: SecretKindOptions, cmd: Command) =>
      (await load()).runSecretCreate(io, parentOpts(cmd), { kind: 'meta' }, {}),
    );
  create
    .command('association')
    .description('an association secret (connects the guest to a crypto card)')
    .argument('<NAME>')
    .option('--stdout', 'print the secret info to stdout instead of NAME.yaml')
    .option('--input-secret <FILE>', 'the 32-byte secret (default: random)')
    .option('--output-secret <FILE>', 'save the random secret here (a new 0600 file, never through a symlink)')
    .action(async (name: string, o: SecretKindOptions, cmd: Command) =>
      (await load()).runSecretCreate(io, parentOpts(cmd), { kind: 'association', name }, o),
    );
  create
    .command('retrievable')
    .alias('retr')
    .description('a secret the guest can retrieve: plaintext, AES, AES-XTS, HMAC-SHA or EC private key')
    .argument('<NAME>')
    .option('--stdout', 'print the secret info to stdout instead of NAME.yaml')
    .option('--secret <FILE>', 'the secret (an EC key as PEM or DER)')
    .option('--type <TYPE>', `kind of secret: ${RETRIEVABLE_TYPES_HELP}`)
    .action(async (name: string, o: SecretKindOptions, cmd: Command) =>
      (await load()).runSecretCreate(io, parentOpts(cmd), { kind: 'retrievable', name }, o),
    );
  create
    .command('update-cck')
    .alias('cck')
    .description('replace the customer communication key')
    .option('--secret <FILE>', 'the new 32-byte CCK')
    .action(async (o: SecretKindOptions, cmd: Command) =>
      (await load()).runSecretCreate(io, parentOpts(cmd), { kind: 'update-cck' }, o),
    );
  secret
    .command('verify')
    .description('check an add-secret request and its user-data signature without decrypting it (pvsecret verify)')
    .argument('[INPUT]')
    .argument('[OUTPUT]')
    .option('-i, --input <FILE>', 'the request (- for stdin)')
    .option('-o, --output <FILE>', 'where to write the user data (default stdout)')
    .option('--user-cert <FILE>', 'certificate (PEM or DER) of the key that signed the user data')
    .option('-v, --verbose', 'show the cause of an error', increase, 0)
    .option('-q, --quiet', 'errors only')
    .action(async (inArg: string | undefined, outArg: string | undefined, o: SecretVerifyOptions) =>
      (await load()).runSecretVerify(
        io,
        o,
        [inArg, outArg].filter((v): v is string => v !== undefined),
      ),
    );
}
