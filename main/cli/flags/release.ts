/**
 * Flags and help of secret release: `release GUEST --secret NAME …` (and, without `--secret`, the guest's releases
 * and their runs), and `guest release add|list|remove` (registered under `guest` by the store flags). The work is
 * in main/cli/commands/release.ts, loaded when a command runs.
 */
import { type Command, Option } from 'commander';
import { UV_SECRET_KINDS } from '../../../shared/types/release.js';
import type { ReleaseAddOptions, ReleaseRunOptions } from '../commands/release.js';
import type { CliIo } from '../io.js';
import { collectList } from '../options.js';

const load = () => import('../commands/release.js');

/** Registers `release`. */
export function registerReleaseCommands(program: Command, io: CliIo): void {
  program
    .command('release')
    .description('release secrets to a stored guest once it verified (without --secret: its releases and their runs)')
    .argument('<GUEST>')
    .option('--secret <NAME>', 'a configured release (repeatable, in order)', collectList)
    .option('--db <PATH>', 'database (default $SE_ATTEST_DB or the per-user database)')
    .option('--force', "add even when the guest's store already holds a secret with this ID")
    .option('--online', 'download missing CRLs while verifying the host-key documents')
    .option('--trust-on-first-use', "accept the guest's SSH host key on first contact")
    .addOption(new Option('--format <FORMAT>', 'also print the run records').choices(['text', 'json']).default('text'))
    .option('-q, --quiet', 'errors only')
    .action(async (guest: string, o: ReleaseRunOptions) => (await load()).runRelease(io, guest, o));
}

/** Registers `guest release add|list|remove` under the `guest` command. */
export function registerGuestReleaseCommands(guest: Command, io: CliIo): void {
  const rel = guest.command('release').description('what a stored guest may be given once it verified');
  rel
    .command('add')
    .description('add (or replace) a secret release of a guest')
    .argument('<GUEST>')
    .argument('<NAME>')
    .option('--db <PATH>', 'database')
    .addOption(
      new Option(
        '--kind <KIND>',
        'uv: an Ultravisor secret (pvsecret); channel: a value written to a guest command',
      ).default('uv'),
    )
    .option('--type <TYPE>', `uv: ${UV_SECRET_KINDS.join(', ')} (default plain)`)
    .option('--secret-name <NAME>', 'uv: the name the secret ID is made from (default NAME)')
    .option('--use-name', 'uv: the ID is the name itself (31 bytes), as pvsecret --use-name')
    .option('--disable-dump', 'uv: set the disable-dump flag')
    .option('--lock', 'uv: lock the secret store after adding')
    .option('--pvsecret <CMD>', 'uv: pvsecret on the guest (default pvsecret, e.g. "sudo -n pvsecret")')
    .option(
      '--command <CMD>',
      'channel: the guest command reading the value on stdin, e.g. "cryptsetup open --key-file=- /dev/vdb data"',
    )
    .option(
      '--host-key-file <PATH>',
      "channel: the guest's SSH public host-key file (default by key type under /etc/ssh)",
    )
    .option('--from-file <PATH>', 'the value is read from this file at release time')
    .option('--from-stdin', 'the value is read from standard input at release time')
    .option('--from-keychain <SERVICE:ACCOUNT>', 'the value is read from the OS keychain at release time')
    .option(
      '--cck-from-file <PATH>',
      "uv: the image's CCK (32 bytes), for images that require the CCK-derived extension secret",
    )
    .option('--cck-from-keychain <SERVICE:ACCOUNT>', "uv: the image's CCK from the OS keychain")
    .action(async (guestName: string, name: string, o: ReleaseAddOptions) =>
      (await load()).runReleaseAdd(io, guestName, name, o),
    );
  rel
    .command('list')
    .description("a guest's secret releases")
    .argument('<GUEST>')
    .option('--db <PATH>', 'database')
    .addOption(new Option('--format <FORMAT>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (guestName: string, o: { db?: string; format: string }) =>
      (await load()).runReleaseList(io, guestName, o),
    );
  rel
    .command('remove')
    .description('remove a secret release (its runs stay in the history)')
    .argument('<GUEST>')
    .argument('<NAME>')
    .option('--db <PATH>', 'database')
    .action(async (guestName: string, name: string, o: { db?: string }) =>
      (await load()).runReleaseRemove(io, guestName, name, o),
    );
}
