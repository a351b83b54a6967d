/**
 * `se-attest attest`: create → SSH perform on the guest → verify, in one command. The guest's SSH host key must
 * be pinned (`--host-key-fingerprint`), found in known_hosts, or trusted explicitly (`--trust-on-first-use`).
 * Progress goes to stderr, the verification result (YAML or JSON) to stdout or `-o`. Exit 0 verified,
 * 1 error (or cancelled), 2 measurement mismatch (or, for a recorded run, a policy violation), as `verify`.
 */
import { AttestError, isErrorCode } from '../../../shared/errors/index.js';
import { wipe } from '../../engine/bytes.js';
import { OUTCOME_LABELS } from '../../../shared/types/verdict.js';
import type { AttestationVerification } from '../../engine/attest/verify.js';
import { systemContext } from '../../engine/crypto/context.js';
import { parseAddDataList, type AddDataKind } from '../../engine/formats/additional-data.js';
import { extractSeHeader } from '../../engine/formats/se-header.js';
import { MAX_HKD_FILE_SIZE } from '../../engine/pki/host-key-document.js';
import { readFileBounded, refuseSpecialFile, withFileForReading } from '../../fs/index.js';
import { attestAdHoc, type AttestAdHocParams } from '../../services/attest-ad-hoc.js';
import type { AttestGuestProgress } from '../../services/attest-guest.js';
import type { RecordedAttestation } from '../../services/attest-recorded.js';
import { attestStoredGuest } from '../../services/attest-stored-guest.js';
import { loadKnownHosts } from '../../services/known-hosts.js';
import { resolveDbPath } from '../../services/db-path.js';
import { openWorkspace, type Store } from '../../services/workspace.js';
import { naming, writeFileChecked } from '../files.js';
import { PASSPHRASE_ENV, type CertificateFlags } from '../options.js';
import { formatVerifyJson, formatVerifyYaml, reportVerificationOutcome } from '../format/attestation-output.js';
import { exitCodeOf, formatFailedChecks } from '../format/verdict-output.js';
import { CliExit, type CliIo } from '../io.js';
import { NO_VERIFY_WARNING, hostKeyOptionsFrom, resolveHostKeysWithReport } from './host-keys.js';

const MAX_KEY_FILE_SIZE = 64 * 1024;
const MAX_USER_DATA_FILE_SIZE = 257;

/** `attest`'s options as parsed. */
export interface AttestOptions extends CertificateFlags {
  hostKeyDocument?: string[];
  at?: string;
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
}

function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new AttestError('ERR_CLI_USAGE', `${flag} must be a number of seconds between 0 and 86400`);
  return Math.round(n * 1000);
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
  if (opts.output !== undefined) writeFileChecked(io.cwd, opts.output, text);
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
      // the record keeps the service's code (never a CLI one)
      throw new AttestError(
        isErrorCode(r.errorCode) ? r.errorCode : 'ERR_STORE_INTERNAL',
        r.errorMessage ?? 'attestation failed',
      );
  }
}

/** `attest NAME`: a guest kept in the store, with its stored target, host key, header, policy and trust material. */
async function runStoredAttest(io: CliIo, opts: AttestOptions, name: string): Promise<void> {
  const noVerify = opts.verify === false;
  if (noVerify && !opts.quiet) io.err(NO_VERIFY_WARNING);
  const store = openWorkspace(resolveDbPath(io, opts.db));
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
      ...(opts.userData !== undefined
        ? { userData: readFileBounded(opts.userData, MAX_USER_DATA_FILE_SIZE, { cwd: io.cwd }) }
        : {}),
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

function parseTimeouts(opts: AttestOptions): NonNullable<AttestAdHocParams['timeouts']> {
  const timeouts: NonNullable<AttestAdHocParams['timeouts']> = {};
  const connectMs = parseSeconds(opts.connectTimeout, '--connect-timeout');
  const stepMs = parseSeconds(opts.stepTimeout, '--step-timeout');
  const totalMs = parseSeconds(opts.timeout, '--timeout');
  if (connectMs !== undefined) Object.assign(timeouts, { connectMs });
  if (stepMs !== undefined) Object.assign(timeouts, { stepMs });
  if (totalMs !== undefined) Object.assign(timeouts, { totalMs });
  return timeouts;
}

/** Runs `attest`: a stored guest (NAME) or an ad-hoc one (`--guest`), optionally recorded (`--db`). */
export async function runAttest(io: CliIo, opts: AttestOptions, name: string | undefined): Promise<void> {
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
  const hdr = opts.hdr;
  if (hdr === undefined)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: --hdr <FILE>');
  if (opts.hostKeyFingerprint !== undefined && opts.trustOnFirstUse) {
    throw new AttestError(
      'ERR_CLI_USAGE',
      "the argument '--host-key-fingerprint' cannot be used with '--trust-on-first-use'",
    );
  }
  const agent = io.env.SSH_AUTH_SOCK;
  if (opts.identity === undefined && agent === undefined) {
    throw new AttestError('ERR_CLI_USAGE', 'give --identity KEY, or run an SSH agent (SSH_AUTH_SOCK)');
  }
  const hostKeyOptions = hostKeyOptionsFrom({ ...opts, hostKeyDocument: opts.hostKeyDocument });
  const files = { cwd: io.cwd };
  const addData: AddDataKind[] = parseAddDataList((opts.addData ?? []).join(','));
  const seHeader = naming(hdr, () => withFileForReading(hdr, files, (f) => extractSeHeader(f)));
  const userData =
    opts.userData !== undefined ? readFileBounded(opts.userData, MAX_USER_DATA_FILE_SIZE, files) : undefined;
  const knownHosts = loadKnownHosts(io, opts.knownHosts);
  const timeouts = parseTimeouts(opts);
  const dbPath = opts.db !== undefined ? resolveDbPath(io, opts.db) : undefined;
  if (dbPath !== undefined) refuseSpecialFile(dbPath);
  if (hostKeyOptions.noVerify && !opts.quiet) io.err(NO_VERIFY_WARNING);
  const passphrase = io.env[PASSPHRASE_ENV];
  const identity: AttestAdHocParams['identity'] =
    opts.identity !== undefined
      ? {
          privateKey: readFileBounded(opts.identity, MAX_KEY_FILE_SIZE, files),
          ...(passphrase !== undefined ? { passphrase } : {}),
        }
      : { agent: agent! };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let store: Store | undefined;
  try {
    if (dbPath !== undefined) store = openWorkspace(dbPath);
    const out = await attestAdHoc({
      guest: opts.guest,
      ...(opts.jump !== undefined ? { jump: opts.jump } : {}),
      ...(opts.hostKeyFingerprint !== undefined ? { hostKeyFingerprint: opts.hostKeyFingerprint } : {}),
      ...(opts.jumpHostKeyFingerprint !== undefined ? { jumpHostKeyFingerprint: opts.jumpHostKeyFingerprint } : {}),
      knownHosts,
      trustOnFirstUse: opts.trustOnFirstUse === true,
      onTrustedOnFirstUse: (info, address) => {
        if (!opts.quiet)
          io.err(
            `WARNING: trusting ${info.fingerprint} (${info.keyType}) for ${address.host}:${address.port} on first use\n`,
          );
      },
      identity,
      ...(opts.remoteCommand !== undefined ? { remoteCommand: opts.remoteCommand } : {}),
      sudo: opts.sudo === true,
      timeouts,
      loadHostKeys: async () => {
        const loaded = await resolveHostKeysWithReport(io, hostKeyOptions, opts.quiet === true);
        return { keys: loaded.keys.map((k) => k.publicCoords), report: loaded.report };
      },
      seHeader,
      addData,
      ...(userData !== undefined ? { userData } : {}),
      ctx: systemContext(),
      signal: controller.signal,
      onProgress: (e) => {
        const line = opts.quiet ? undefined : describeProgress(e);
        if (line) io.err(line);
      },
      // An ad-hoc run recorded under guest NAME (created if new); its HKDs and SE header are kept for evidence.
      ...(store !== undefined
        ? {
            record: {
              store,
              ...(opts.name !== undefined ? { guestName: opts.name } : {}),
              hkdFiles: hostKeyOptions.hostKeyDocument.map((path) => ({
                source: path,
                bytes: readFileBounded(path, MAX_HKD_FILE_SIZE, files),
              })),
            },
          }
        : {}),
    });
    if (out.recorded) reportRecorded(io, opts, out.outcome);
    else reportVerification(io, opts, out.result.verification);
  } finally {
    process.removeListener('SIGINT', onSigint);
    store?.close();
    wipe(identity.privateKey);
  }
}
