/** Flags and help of `attest`; the work is in main/cli/commands/attest.ts, loaded when the command runs. */
import { type Command, Option } from 'commander';
import type { AttestOptions } from '../commands/attest.js';
import type { CliIo } from '../io.js';
import { collectList, PASSPHRASE_ENV } from '../options.js';
import { addCertificateOptions } from './certificate-options.js';
import { ADD_DATA_HELP } from './engine.js';

/** Registers `attest` on `program`. */
export function registerAttestCommands(program: Command, io: CliIo): void {
  addCertificateOptions(
    program
      .command('attest')
      .description('attest a guest over SSH: create a request, run pvattest perform on the guest, verify the response')
      .argument('[NAME]', 'a guest kept in the database (see `guest add`); or use --guest for an ad-hoc run')
      .option('--guest <USER@HOST[:PORT]>', 'ad-hoc: the guest to attest')
      .option(
        '--db <PATH>',
        'database: the stored guest, or where an ad-hoc run is recorded (default $SE_ATTEST_DB or the per-user database)',
      )
      .option('--name <NAME>', 'ad-hoc runs with --db: record under this guest name (created if new)')
      .option('--online', 'stored guests: download missing CRLs (default: offline, imported CRLs only)')
      .option('--at <ISO-TIME>', 'verify the host-key documents as of this time')
      .option('--identity <KEY>', `SSH private key file (passphrase from $${PASSPHRASE_ENV}); default: the SSH agent`)
      .option('--jump <USER@HOST[:PORT]>', 'connect through this jump host (ProxyJump)')
      .option('--host-key-fingerprint <SHA256:...>', "the guest's pinned SSH host-key fingerprint (ssh-keygen -lf)")
      .option('--jump-host-key-fingerprint <SHA256:...>', "the jump host's pinned SSH host-key fingerprint")
      .option('--trust-on-first-use', 'accept an unknown host key on first contact (a changed key is still refused)')
      .option('--known-hosts <FILE>', 'OpenSSH known_hosts file to trust (default ~/.ssh/known_hosts)')
      .option(
        '-k, --host-key-document <FILE>',
        'ad-hoc: host-key document (repeatable or comma-separated)',
        collectList,
      ),
  )
    .option('--hdr <FILE>', "ad-hoc: the guest's SE header or SE image (only its header is read)")
    .option('--add-data <LIST>', ADD_DATA_HELP, collectList)
    .option('--user-data <FILE>', 'user data for perform (at most 256 bytes)')
    .option('--remote-command <CMD>', 'pvattest on the guest (perform -i … -o … is appended)', 'pvattest')
    .option('--sudo', 'run the remote command with sudo -n')
    .addOption(new Option('--format <FORMAT>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <FILE>', 'write the result here instead of stdout')
    .option('--connect-timeout <SECONDS>', 'SSH connect timeout per hop')
    .option('--step-timeout <SECONDS>', 'timeout of each remote step')
    .option('--timeout <SECONDS>', 'timeout of the whole run')
    .option('-q, --quiet', 'print nothing but the result')
    .action(async (name: string | undefined, opts: AttestOptions) =>
      (await import('../commands/attest.js')).runAttest(io, opts, name),
    );
}
