/**
 * `se-attest attest`: create → SSH perform on the guest → verify, in one command. The guest's SSH host key must
 * be pinned (`--host-key-fingerprint`), found in known_hosts, or trusted explicitly (`--trust-on-first-use`).
 * Progress goes to stderr, the verification result (YAML or JSON) to stdout or `-o`. Exit 0 verified,
 * 1 error (or cancelled), 2 measurement mismatch (or, for a recorded run, a policy violation), as `verify`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { AttestError } from '../../../shared/errors/index.js';
import { OUTCOME_LABELS } from '../../../shared/types/verdict.js';
import {
  extractSeHeader,
  parseAddDataList,
  systemContext,
  type AddDataKind,
  type AttestationVerification,
} from '../../engine/index.js';
import { attestGuest, type AttestGuestParams, type AttestGuestProgress } from '../../services/attest-guest.js';
import { attestAndRecord, type RecordedAttestation } from '../../services/attest-recorded.js';
import { attestStoredGuest } from '../../services/attest-stored-guest.js';
import { recordAdHocGuest } from '../../services/guests.js';
import { importTrustFiles } from '../../services/trust.js';
import { sha256Hex } from '../../store/content-hash.js';
import { openStore } from '../../store/index.js';
import { parseGuestAddress } from '../../transport/guest-address.js';
import {
  parseHostKeyFingerprint,
  parseKnownHosts,
  type HostKeyPolicy,
  type KnownHostEntry,
} from '../../transport/host-key.js';
import { SshGuestTransport, type SshIdentity, type SshTimeouts } from '../../transport/ssh-transport.js';
import { collectList, readFileBounded, resolvePath, writeFileChecked } from '../files.js';
import { formatVerifyJson, formatVerifyYaml, reportVerificationOutcome } from '../format/attestation-output.js';
import { exitCodeOf, formatFailedChecks } from '../format/verdict-output.js';
import { CliExit, type CliIo } from '../io.js';
import {
  NO_VERIFY_WARNING,
  addCertificateOptions,
  resolveHostKeysWithReport,
  type HostKeyOptions,
} from './host-keys.js';
import { resolveDbPath } from './store-commands.js';

/** Environment variable holding the passphrase of an encrypted `--identity` key (never a flag: argv is public). */
export const PASSPHRASE_ENV = 'SE_ATTEST_SSH_PASSPHRASE';
const MAX_HEADER_FILE_SIZE = 64 * 1024 * 1024;
const MAX_KEY_FILE_SIZE = 64 * 1024;
const MAX_KNOWN_HOSTS_SIZE = 4 * 1024 * 1024;

interface AttestOptions extends Omit<HostKeyOptions, 'hostKeyDocument'> {
  hostKeyDocument?: string[];
  guest?: string;
  db?: string;
  name?: string;
  online?: boolean;
  identity?: string;
  jump?: string;
  hostKeyFingerprint?: string;
  jumpHostKeyFingerprint?: string;
  trustOnFirstUse?: boolean;
  knownHosts?: string;
  hdr?: string;
  addData?: string[];
  userData?: string;
  remoteCommand?: string;
  sudo?: boolean;
  format: 'yaml' | 'json';
  output?: string;
  connectTimeout?: string;
  stepTimeout?: string;
  timeout?: string;
  quiet?: boolean;
  verify?: boolean;
}

function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new AttestError('ERR_CLI_USAGE', `${flag} must be a number of seconds between 0 and 86400`);
  return Math.round(n * 1000);
}

function loadKnownHosts(io: CliIo, path: string | undefined): KnownHostEntry[] {
  if (path !== undefined)
    return parseKnownHosts(Buffer.from(readFileBounded(io.cwd, path, MAX_KNOWN_HOSTS_SIZE)).toString('utf8'));
  const home = io.env.HOME;
  if (home === undefined) return [];
  const file = join(home, '.ssh', 'known_hosts');
  if (!existsSync(file)) return [];
  try {
    return parseKnownHosts(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

function describeProgress(e: AttestGuestProgress): string | undefined {
  if (e.status === 'start') return undefined;
  const parts = [`[${e.step}] ${e.status}`];
  if (e.elapsedMs !== undefined) parts.push(`${e.elapsedMs} ms`);
  if (e.bytes !== undefined) parts.push(`${e.bytes} bytes`);
  if (e.hostKeyFingerprint) parts.push(`host key ${e.hostKeyFingerprint}`);
  if (e.code) parts.push(e.code);
  return `${parts.join(', ')}\n`;
}

/** Prints the verification result and ends with pvattest's exit code (0 verified, 2 mismatch). */
function reportVerification(io: CliIo, opts: AttestOptions, v: AttestationVerification): void {
  reportVerificationOutcome(io, v, opts.quiet);
  const text = opts.format === 'json' ? formatVerifyJson(v) : formatVerifyYaml(v);
  if (opts.output !== undefined) writeFileChecked(io.cwd, resolvePath(io.cwd, opts.output), text);
  else io.out(text);
}

/**
 * Ends a recorded run with its outcome (the record's verdict, decided by judgeAttestation): verified → the
 * result, exit 0; policy violation → each failed check, expected beside seen, exit 2; mismatch → pvattest's
 * line, exit 2; error → the coded error, exit 1; cancelled → one line, exit 1.
 */
function reportRecorded(io: CliIo, opts: AttestOptions, out: RecordedAttestation): void {
  const r = out.record;
  const v = r.verdict!;
  const where = `[attestation ${r.id} of guest ${r.guestName}]`;
  const say = (text: string) => {
    if (!opts.quiet) io.err(text);
  };
  switch (v.outcome) {
    case 'verified':
      say(`Outcome: ${OUTCOME_LABELS.verified} ${where}\n`);
      if (out.result) reportVerification(io, opts, out.result.verification);
      return;
    case 'policy-violation':
      say(`Outcome: ${OUTCOME_LABELS[v.outcome]} (${v.code}): ${v.reason} ${where}\n${formatFailedChecks(v)}`);
      throw new CliExit(exitCodeOf(v.outcome));
    case 'mismatch':
      say(`Outcome: ${OUTCOME_LABELS[v.outcome]} ${where}\n`);
      if (out.result) reportVerification(io, opts, out.result.verification); // pvattest's line, exit 2
      throw new CliExit(exitCodeOf(v.outcome));
    case 'cancelled':
      say(`Outcome: ${OUTCOME_LABELS[v.outcome]} (${v.code}): ${v.reason} ${where}\n`);
      throw new CliExit(exitCodeOf(v.outcome));
    default:
      if (out.error instanceof AttestError) throw out.error;
      throw new AttestError('ERR_CLI_USAGE', r.errorMessage ?? 'attestation failed');
  }
}

/** `attest NAME`: a guest kept in the store, with its stored target, host key, header, policy and trust material. */
async function runStoredAttest(io: CliIo, opts: AttestOptions, name: string): Promise<void> {
  const noVerify = opts.verify === false;
  if (noVerify && !opts.quiet) io.err(NO_VERIFY_WARNING);
  const dbPath = resolveDbPath(io, opts.db);
  const store = openStore({ path: dbPath });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const timeouts = parseTimeouts(opts);
    const passphrase = io.env[PASSPHRASE_ENV];
    const out = await attestStoredGuest({
      store,
      guest: name,
      ctx: systemContext(),
      ...(opts.at !== undefined ? { at: parseAt(opts.at) } : {}),
      online: opts.online === true,
      noVerify,
      ...(opts.userData !== undefined ? { userData: readFileBounded(io.cwd, opts.userData, 257) } : {}),
      trustOnFirstUse: opts.trustOnFirstUse === true,
      knownHosts: loadKnownHosts(io, opts.knownHosts),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(io.env.SSH_AUTH_SOCK !== undefined ? { agentSocket: io.env.SSH_AUTH_SOCK } : {}),
      timeouts,
      ...(opts.remoteCommand !== undefined ? { remoteCommand: opts.remoteCommand } : {}),
      signal: controller.signal,
      onProgress: (e) => {
        const line = opts.quiet ? undefined : describeProgress(e);
        if (line) io.err(line);
      },
    });
    reportRecorded(io, opts, out);
  } finally {
    process.removeListener('SIGINT', onSigint);
    store.close();
  }
}

function parseAt(at: string): Date {
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new AttestError('ERR_CLI_USAGE', `--at: not an ISO time: '${at}'`);
  return new Date(t);
}

function parseTimeouts(opts: AttestOptions): Partial<SshTimeouts> {
  const timeouts: Partial<SshTimeouts> = {};
  const connectMs = parseSeconds(opts.connectTimeout, '--connect-timeout');
  const stepMs = parseSeconds(opts.stepTimeout, '--step-timeout');
  const totalMs = parseSeconds(opts.timeout, '--timeout');
  if (connectMs !== undefined) Object.assign(timeouts, { connectMs });
  if (stepMs !== undefined) Object.assign(timeouts, { stepMs });
  if (totalMs !== undefined) Object.assign(timeouts, { totalMs });
  return timeouts;
}

async function runAttest(io: CliIo, opts: AttestOptions, name: string | undefined): Promise<void> {
  if (opts.guest === undefined) {
    if (name === undefined)
      throw new AttestError('ERR_CLI_USAGE', 'give a stored guest NAME, or --guest USER@HOST[:PORT] for an ad-hoc run');
    return runStoredAttest(io, opts, name);
  }
  if (name !== undefined)
    throw new AttestError(
      'ERR_CLI_USAGE',
      'give either a stored guest NAME or --guest, not both (name an ad-hoc run with --name)',
    );
  if (!opts.hostKeyDocument?.length)
    throw new AttestError(
      'ERR_CLI_USAGE',
      'the following required arguments were not provided: --host-key-document <FILE>',
    );
  if (opts.hdr === undefined)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: --hdr <FILE>');
  const hostKeyOptions: HostKeyOptions = { ...opts, hostKeyDocument: opts.hostKeyDocument };
  const guest = parseGuestAddress(opts.guest);
  const jump = opts.jump !== undefined ? parseGuestAddress(opts.jump) : undefined;
  if (opts.hostKeyFingerprint !== undefined && opts.trustOnFirstUse) {
    throw new AttestError(
      'ERR_CLI_USAGE',
      "the argument '--host-key-fingerprint' cannot be used with '--trust-on-first-use'",
    );
  }
  const knownHosts = opts.hostKeyFingerprint === undefined ? loadKnownHosts(io, opts.knownHosts) : [];
  const guestPolicy: HostKeyPolicy =
    opts.hostKeyFingerprint !== undefined
      ? { pinnedFingerprints: [parseHostKeyFingerprint(opts.hostKeyFingerprint)] }
      : {
          knownHosts,
          trustOnFirstUse: opts.trustOnFirstUse === true,
          onAccepted: (info, first) => {
            if (first && !opts.quiet)
              io.err(
                `WARNING: trusting ${info.fingerprint} (${info.keyType}) for ${guest.host}:${guest.port} on first use\n`,
              );
          },
        };
  const jumpPolicy: HostKeyPolicy =
    opts.jumpHostKeyFingerprint !== undefined
      ? { pinnedFingerprints: [parseHostKeyFingerprint(opts.jumpHostKeyFingerprint)] }
      : {
          knownHosts: opts.hostKeyFingerprint === undefined ? knownHosts : loadKnownHosts(io, opts.knownHosts),
          trustOnFirstUse: opts.trustOnFirstUse === true,
        };

  const agent = io.env.SSH_AUTH_SOCK;
  if (opts.identity === undefined && agent === undefined) {
    throw new AttestError('ERR_CLI_USAGE', 'give --identity KEY, or run an SSH agent (SSH_AUTH_SOCK)');
  }
  const passphrase = io.env[PASSPHRASE_ENV];
  const identity: SshIdentity =
    opts.identity !== undefined
      ? {
          privateKey: readFileBounded(io.cwd, opts.identity, MAX_KEY_FILE_SIZE),
          ...(passphrase !== undefined ? { passphrase } : {}),
        }
      : { agent: agent! };
  const addData: AddDataKind[] = parseAddDataList((opts.addData ?? []).join(','));
  const seHeader = readFileBounded(io.cwd, opts.hdr, MAX_HEADER_FILE_SIZE);
  const userData = opts.userData !== undefined ? readFileBounded(io.cwd, opts.userData, 257) : undefined;
  const timeouts = parseTimeouts(opts);
  const noVerify = opts.verify === false;
  if (noVerify && !opts.quiet) io.err(NO_VERIFY_WARNING);
  const transport = new SshGuestTransport({
    guest: { address: guest, hostKeys: guestPolicy },
    ...(jump ? { jump: { address: jump, hostKeys: jumpPolicy } } : {}),
    identity,
    ...(opts.remoteCommand !== undefined ? { remoteCommand: opts.remoteCommand } : {}),
    sudo: opts.sudo === true,
    timeouts,
  });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const run = (hooks: Pick<AttestGuestParams, 'onRequestCreated' | 'onProgress'> = {}) =>
    attestGuest({
      transport,
      loadHostKeys: async () => {
        const loaded = await resolveHostKeysWithReport(io, { ...hostKeyOptions, noVerify });
        report = loaded.report;
        return loaded.keys.map((k) => k.publicCoords);
      },
      seHeader,
      ...(addData.length > 0 ? { addData } : {}),
      ...(userData !== undefined ? { userData } : {}),
      ctx: systemContext(),
      signal: controller.signal,
      ...hooks,
      onProgress: (e) => {
        hooks.onProgress?.(e);
        const line = opts.quiet ? undefined : describeProgress(e);
        if (line) io.err(line);
      },
    });
  let report: unknown;
  try {
    if (opts.db === undefined) {
      reportVerification(io, opts, (await run()).verification);
      return;
    }
    // An ad-hoc run recorded under guest NAME (created if new); its HKDs and SE header are kept for evidence.
    const store = openStore({ path: resolveDbPath(io, opts.db) });
    try {
      const recorded = recordAdHocGuest(store, opts.name ?? guest.host, opts.guest);
      const headerOnly = extractSeHeader(seHeader);
      if (recorded.seHeaderSha256 !== sha256Hex(headerOnly))
        store.guests.edit(recorded.id, { seHeaderHex: Buffer.from(headerOnly).toString('hex') });
      const imported = importTrustFiles(
        store,
        hostKeyOptions.hostKeyDocument.map((path) => ({
          source: path,
          bytes: readFileBounded(io.cwd, path, 1024 * 1024),
        })),
      );
      const hkdSha256 = imported
        .map((r) => r.items.find((i) => i.item.kind === 'hkd')?.item.sha256 ?? '')
        .filter((x) => x !== '');
      const out = await attestAndRecord({
        store,
        guestId: recorded.id,
        // an ad-hoc run is judged against what its command line names: the measurement and these HKDs
        policy: { hkdSha256 },
        signal: controller.signal,
        addData,
        hkdSha256,
        seHeader: headerOnly,
        hkdReport: () => report,
        now: () => new Date(),
        run,
      });
      reportRecorded(io, opts, out);
    } finally {
      store.close();
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (identity.privateKey) identity.privateKey.fill(0);
  }
}

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
    .option('--hdr <FILE>', "ad-hoc: the guest's SE header or SE image")
    .option(
      '--add-data <LIST>',
      'additional data to request: phkh-img, phkh-att, secret-store-hash, firmware-state',
      collectList,
    )
    .option('--user-data <FILE>', 'user data for perform (at most 256 bytes)')
    .option('--remote-command <CMD>', 'pvattest on the guest (perform -i … -o … is appended)', 'pvattest')
    .option('--sudo', 'run the remote command with sudo -n')
    .addOption(new Option('--format <FORMAT>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <FILE>', 'write the result here instead of stdout')
    .option('--connect-timeout <SECONDS>', 'SSH connect timeout per hop')
    .option('--step-timeout <SECONDS>', 'timeout of each remote step')
    .option('--timeout <SECONDS>', 'timeout of the whole run')
    .option('-q, --quiet', 'print nothing but the result')
    .action(async (name: string | undefined, opts: AttestOptions) => runAttest(io, opts, name));
}
