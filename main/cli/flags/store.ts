/**
 * Flags and help of the store commands: `guest add|edit|remove|list|show`, `trust import|remove|list`, `history`,
 * `audit verify|list`. The work is in main/cli/commands/store-commands.ts, loaded when a command runs.
 */
import { type Command, Option } from 'commander';
import { ADD_DATA_KINDS } from '../../../shared/types/policy.js';
import type { TrustKind } from '../../../shared/types/store.js';
import type { GuestOpts } from '../commands/store-commands.js';
import type { CliIo } from '../io.js';
import { registerGuestReleaseCommands } from './release.js';

const load = () => import('../commands/store-commands.js');

function addGuestOptions(cmd: Command): Command {
  return cmd
    .option('--target <user@host[:port]>', 'SSH target ("" clears on edit)')
    .option('--jump <host>', 'SSH jump host')
    .option('--identity <path|agent>', 'SSH identity: a key file path or "agent" (never the key itself)')
    .option('--host-key-fingerprint <fp>', 'pinned SSH host-key fingerprint, e.g. SHA256:...')
    .option('--hdr <file>', 'SE header or SE image (only its header is read and stored) to store with the guest')
    .option('--image <path>', 'path of the SE image, when the header is not stored')
    .option('--hkd <sha256...>', 'policy: SHA-256 of the stored HKDs to use')
    .option('--expect-image-phkh <hex>', 'policy: expected image PHKH')
    .option('--expect-attestation-phkh <hex>', 'policy: expected attestation PHKH')
    .option('--expect-user-data <hex>', 'policy: expected user data')
    .option('--require-add-data <list>', `policy: required additional data (${ADD_DATA_KINDS.join(',')})`)
    .option('--notes <text>', 'free notes')
    .option('--tag <tag...>', 'tags');
}

function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');
}

function dbOption(cmd: Command): Command {
  return cmd.option(
    '--db <path>',
    'database file (default: $SE_ATTEST_DB or ~/.local/share/se-attestation-workstation/workstation.db)',
  );
}

/** Adds the guest, trust, history and audit commands to `program`. */
export function registerStoreCommands(program: Command, io: CliIo): void {
  const guest = program.command('guest').description('manage stored guests');

  addGuestOptions(dbOption(guest.command('add').description('add a guest').argument('<name>'))).action(
    async (name: string, o: GuestOpts) => (await load()).guestAdd(io, name, o),
  );

  addGuestOptions(dbOption(guest.command('edit').description('change a guest').argument('<name>')))
    .option('--rename <new-name>', 'new name')
    .action(async (name: string, o: GuestOpts) => (await load()).guestEdit(io, name, o));

  dbOption(guest.command('remove').description('remove a guest (its history is kept)').argument('<name>')).action(
    async (name: string, o: { db?: string }) => (await load()).guestRemove(io, name, o),
  );

  dbOption(guest.command('list').description('list guests with their status'))
    .option('--tag <tag>', 'only guests with this tag')
    .option('--stale-after <hours>', 'a verification older than this is stale', '24')
    .addOption(formatOption())
    .action(async (o: { db?: string; tag?: string; staleAfter?: string; format: string }) =>
      (await load()).guestList(io, o),
    );

  dbOption(guest.command('show').description('show a guest, its policy, status and latest attempts').argument('<name>'))
    .option('--stale-after <hours>', 'a verification older than this is stale', '24')
    .addOption(formatOption())
    .action(async (name: string, o: { db?: string; staleAfter?: string; format: string }) =>
      (await load()).guestShow(io, name, o),
    );

  registerGuestReleaseCommands(guest, io);

  const trust = program.command('trust').description('manage trust material (HKDs, certificates, CRLs)');

  dbOption(
    trust
      .command('import')
      .description('import HKDs, CA/signing-key certificates and CRLs (PEM or DER)')
      .argument('<files...>'),
  ).action(async (files: string[], o: { db?: string }) => (await load()).trustImport(io, files, o));

  dbOption(
    trust
      .command('remove')
      .description('take trust material out of use (attestations that used it keep it)')
      .argument('<sha256>', 'its SHA-256, or a unique prefix of at least 8 hex digits'),
  ).action(async (sha: string, o: { db?: string }) => (await load()).trustRemove(io, sha, o));

  dbOption(trust.command('list').description('list trust material with freshness'))
    .addOption(
      new Option('--kind <kind>', 'only this kind').choices(['hkd', 'signing-key', 'ca', 'certificate', 'crl']),
    )
    .option('--expiring-days <n>', 'nextUpdate within this many days counts as expiring', '7')
    .addOption(formatOption())
    .action(async (o: { db?: string; kind?: TrustKind; expiringDays?: string; format: string }) =>
      (await load()).trustList(io, o),
    );

  dbOption(program.command('history').description("a guest's attestation history, newest first").argument('<guest>'))
    .option('--since <date>', 'only attempts started at or after this date (ISO 8601)')
    .option('--limit <n>', 'at most this many')
    .addOption(formatOption())
    .action(async (name: string, o: { db?: string; since?: string; limit?: string; format: string }) =>
      (await load()).history(io, name, o),
    );

  const audit = program.command('audit').description('the hash-chained audit log');

  dbOption(
    audit
      .command('verify')
      .description('walk the audit chain and check every audited row; names the first broken entry'),
  )
    .addOption(formatOption())
    .action(async (o: { db?: string; format: string }) => (await load()).auditVerify(io, o));

  dbOption(audit.command('list').description('print audit entries'))
    .option('--after <seq>', 'only entries after this sequence number', '0')
    .addOption(formatOption())
    .action(async (o: { db?: string; after?: string; format: string }) => (await load()).auditList(io, o));
}
