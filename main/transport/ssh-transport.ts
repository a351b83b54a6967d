/**
 * GuestTransport over SSH (ssh2): pinned host keys, optional jump host, key-file or agent auth, a private temp
 * dir on the guest, SFTP upload/download with a size cap, `pvattest perform` over exec, and cleanup in every
 * outcome. Timeouts apply to the connection, each step and the whole run; an AbortSignal cancels.
 * Secrets (private key, passphrase) are handed to ssh2 only and never appear in messages or events.
 */
import { randomBytes } from 'node:crypto';
import ssh2, { type Client as SshClient, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { AttestError, isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import { formatGuestAddress, type GuestAddress } from './guest-address.js';
import type {
  GuestCommandParams,
  GuestCommandResult,
  GuestSession,
  GuestStep,
  GuestStepEvent,
  GuestTransport,
  PerformOnGuestParams,
  PerformOnGuestResult,
} from './guest-transport.js';
import { checkHostKey, listKnownKeyTypes, type HostKeyInfo, type HostKeyPolicy } from './host-key.js';
import {
  DEFAULT_PVATTEST_COMMAND,
  REQUEST_FILE,
  RESPONSE_FILE,
  USER_DATA_FILE,
  UV_DEVICE_CHECK_COMMAND,
  buildCleanupByRunIdCommand,
  buildCleanupCommand,
  buildHostKeyDigestCommand,
  buildMktempCommand,
  buildPerformCommand,
  isRunTempDir,
} from './remote-commands.js';

const { Client, utils } = ssh2;

/** Timeouts in milliseconds. */
export interface SshTimeouts {
  /** TCP + SSH handshake + auth, per hop. */
  readonly connectMs: number;
  /** Each remote step (prepare, upload, perform, download). */
  readonly stepMs: number;
  /** The whole run, connect to download. */
  readonly totalMs: number;
  /** Removing the temp dir (runs even after a timeout or cancellation). */
  readonly cleanupMs: number;
  /** Extra connect time for a hop whose policy asks a person (`decide`) about an unknown host key. */
  readonly decideMs: number;
}

export const DEFAULT_SSH_TIMEOUTS: SshTimeouts = {
  connectMs: 15_000,
  stepMs: 60_000,
  totalMs: 180_000,
  cleanupMs: 10_000,
  decideMs: 120_000,
};
/** Largest valid response: ARCB 1 MiB + measurement and additional data 32 KiB each + user data + CUID + header. */
export const DEFAULT_RESPONSE_SIZE_CAP = 2 * 1024 * 1024;
const MAX_CAPTURE = 64 * 1024;
const MAX_STDERR_IN_MESSAGE = 2000;
const READ_CHUNK = 32 * 1024;

/** Credentials: a private key (OpenSSH/PEM, optionally encrypted) or an SSH agent socket. */
export interface SshIdentity {
  readonly privateKey?: Uint8Array;
  readonly passphrase?: string;
  /** Agent socket path (e.g. SSH_AUTH_SOCK). */
  readonly agent?: string;
}

/** One SSH hop: where, how to trust its host key. */
export interface SshHop {
  readonly address: GuestAddress;
  readonly hostKeys: HostKeyPolicy;
}

/** Everything an SshGuestTransport needs. */
export interface SshGuestTransportParams {
  readonly guest: SshHop;
  /** Optional single jump host (ProxyJump); the guest connection is tunnelled through it. */
  readonly jump?: SshHop;
  /** Credentials for the guest (and the jump host unless `jumpIdentity` is given). */
  readonly identity: SshIdentity;
  readonly jumpIdentity?: SshIdentity;
  /** Command on the guest; `perform -i … -o … [-u …]` is appended. Default `pvattest`. */
  readonly remoteCommand?: string;
  /** Prefix the command with `sudo -n`. */
  readonly sudo?: boolean;
  /** Largest response accepted, in bytes. */
  readonly responseSizeCap?: number;
  readonly timeouts?: Partial<SshTimeouts>;
}

interface ExecResult {
  readonly code: number | null;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

const HOST_KEY_ALGORITHMS: Record<string, readonly string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_HOST_KEY_ORDER = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Removes control characters and caps guest text before it goes into a message. */
function sanitizeGuestText(text: string, max = MAX_STDERR_IN_MESSAGE): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Validates a key file (and passphrase) up front so errors are coded and never echo key material. */
function checkIdentity(identity: SshIdentity): void {
  if (identity.privateKey === undefined) {
    if (identity.agent === undefined)
      throw new AttestError(
        'ERR_TRANSPORT_IDENTITY_INVALID',
        'no SSH identity: give a private key file or an SSH agent',
      );
    return;
  }
  const parsed = utils.parseKey(Buffer.from(identity.privateKey), identity.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
    throw new AttestError(
      'ERR_TRANSPORT_IDENTITY_INVALID',
      encrypted
        ? 'the SSH private key is encrypted and the passphrase is missing or wrong'
        : 'the SSH identity file is not a supported private key (OpenSSH, PEM RSA/ECDSA/Ed25519)',
    );
  }
}

/** Preferred host-key algorithms: the types known for this host first, as OpenSSH does. */
function orderHostKeyAlgorithms(hop: SshHop): string[] | undefined {
  const known = listKnownKeyTypes(hop.hostKeys, hop.address.host, hop.address.port).flatMap(
    (t) => HOST_KEY_ALGORITHMS[t] ?? [],
  );
  if (known.length === 0) return undefined;
  return [...new Set([...known, ...DEFAULT_HOST_KEY_ORDER])];
}

/** A cancellable scope: rejects when the parent signal aborts, the total timer fires, or the step timer fires. */
export class RunScope {
  private readonly total = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly target: string,
    private readonly parent: AbortSignal | undefined,
    private readonly totalMs: number,
  ) {
    this.timer = setTimeout(
      () =>
        this.total.abort(
          new AttestError('ERR_TRANSPORT_TIMEOUT', `attestation of ${target} did not finish within ${totalMs} ms`, {
            step: 'total',
            timeoutMs: totalMs,
          }),
        ),
      totalMs,
    );
    this.timer.unref();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  /** Runs `fn` with a signal that aborts on cancel/total/step timeout; the rejection is the coded reason. */
  async step<T>(
    step: GuestStep,
    timeoutMs: number,
    fn: (signal: AbortSignal) => Promise<T>,
    cancellable = true,
  ): Promise<T> {
    const local = new AbortController();
    const sources: AbortSignal[] = cancellable ? [this.total.signal, ...(this.parent ? [this.parent] : [])] : [];
    const onAbort = (reason: unknown) => local.abort(reason);
    const cancelReason = (s: AbortSignal): AttestError =>
      isAttestError(s.reason)
        ? s.reason
        : new AttestError('ERR_TRANSPORT_CANCELLED', `attestation of ${this.target} was cancelled`, { step });
    const listeners = sources.map((s) => {
      const l = () => onAbort(cancelReason(s));
      s.addEventListener('abort', l, { once: true });
      return [s, l] as const;
    });
    const timer = setTimeout(
      () =>
        onAbort(
          new AttestError('ERR_TRANSPORT_TIMEOUT', `step "${step}" on ${this.target} timed out after ${timeoutMs} ms`, {
            step,
            timeoutMs,
          }),
        ),
      timeoutMs,
    );
    try {
      const already = sources.find((s) => s.aborted);
      if (already) throw cancelReason(already);
      return await new Promise<T>((resolve, reject) => {
        local.signal.addEventListener('abort', () => reject(local.signal.reason), { once: true });
        fn(local.signal).then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      for (const [s, l] of listeners) s.removeEventListener('abort', l);
      if (!local.signal.aborted) local.abort(new AttestError('ERR_TRANSPORT_CANCELLED', 'step finished'));
    }
  }
}

/** Maps an ssh2 connection error to a coded error (host-key refusals were recorded by the verifier). */
function mapConnectError(
  error: Error & { level?: string; code?: string },
  hop: SshHop,
  role: 'guest' | 'jump host',
): AttestError {
  const where = `${role} ${formatGuestAddress(hop.address)}`;
  if (error.level === 'client-authentication') {
    return new AttestError(
      'ERR_TRANSPORT_AUTH_FAILED',
      `authentication to ${where} failed: the server accepted none of the offered credentials`,
      {
        host: hop.address.host,
        port: hop.address.port,
        user: hop.address.user,
      },
    );
  }
  if (error.level === 'client-timeout') {
    return new AttestError('ERR_TRANSPORT_TIMEOUT', `SSH handshake with ${where} timed out`, { step: 'connect' });
  }
  return new AttestError(
    'ERR_TRANSPORT_CONNECT_FAILED',
    `cannot connect to ${where}: ${sanitizeGuestText(error.message, 300)}`,
    {
      host: hop.address.host,
      port: hop.address.port,
      ...(error.code ? { errno: error.code } : {}),
    },
  );
}

/** Opens one authenticated SSH connection (optionally over `sock`), verifying the host key with the hop's policy. */
function openClient(
  hop: SshHop,
  identity: SshIdentity,
  role: 'guest' | 'jump host',
  connectMs: number,
  signal: AbortSignal,
  sock?: NodeJS.ReadableStream,
): Promise<{ client: SshClient; hostKey: HostKeyInfo }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: AttestError | undefined;
    let hostKey: HostKeyInfo | undefined;
    let settled = false;
    const finish = (error: AttestError | undefined) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) {
        client.end();
        client.destroy();
        reject(error);
      } else {
        resolve({ client, hostKey: hostKey! });
      }
    };
    const onAbort = () =>
      finish(isAttestError(signal.reason) ? signal.reason : new AttestError('ERR_TRANSPORT_CANCELLED', 'cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => finish(undefined));
    client.on('error', (error: Error & { level?: string }) =>
      finish(hostKeyError ?? mapConnectError(error, hop, role)),
    );
    client.on('close', () =>
      finish(
        hostKeyError ??
          new AttestError(
            'ERR_TRANSPORT_CONNECT_FAILED',
            `${role} ${formatGuestAddress(hop.address)} closed the connection during the handshake`,
          ),
      ),
    );
    const algorithms = orderHostKeyAlgorithms(hop);
    const config: ConnectConfig = {
      host: hop.address.host,
      port: hop.address.port,
      username: hop.address.user,
      readyTimeout: connectMs,
      keepaliveInterval: 0,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        checkHostKey(hop.hostKeys, hop.address.host, hop.address.port, new Uint8Array(key)).then(
          (info) => {
            hostKey = info;
            verify(true);
          },
          (error: unknown) => {
            hostKeyError = isAttestError(error)
              ? error
              : new AttestError('ERR_TRANSPORT_INTERNAL', 'host-key check failed');
            verify(false);
          },
        );
      },
      ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
      ...(identity.privateKey ? { privateKey: Buffer.from(identity.privateKey) } : {}),
      ...(identity.passphrase !== undefined ? { passphrase: identity.passphrase } : {}),
      ...(identity.agent !== undefined && identity.privateKey === undefined ? { agent: identity.agent } : {}),
      ...(sock ? { sock: sock as never } : {}),
    };
    try {
      client.connect(config);
      client.setNoDelay(true);
    } catch (error) {
      finish(
        new AttestError(
          'ERR_TRANSPORT_CONNECT_FAILED',
          `cannot connect to ${formatGuestAddress(hop.address)}: ${(error as Error).message}`,
        ),
      );
    }
  });
}

/**
 * Runs a command over exec, capturing capped stdout/stderr; aborting closes the channel. `stdin` (from memory,
 * never a file) is written to the command's standard input, which is then closed.
 */
function execRemote(client: SshClient, command: string, signal: AbortSignal, stdin?: Uint8Array): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel: ClientChannel) => {
      if (error) {
        reject(
          new AttestError(
            'ERR_TRANSPORT_REMOTE_COMMAND_FAILED',
            `the guest refused to run a command: ${sanitizeGuestText(error.message, 300)}`,
          ),
        );
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let sig: string | undefined;
      const onAbort = () => {
        channel.close();
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      channel.on('data', (d: Buffer) => {
        if (stdout.length < MAX_CAPTURE) stdout += d.toString('utf8');
      });
      channel.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_CAPTURE) stderr += d.toString('utf8');
      });
      channel.on('exit', (c: number | null, s?: string) => {
        code = typeof c === 'number' ? c : null;
        sig = s;
      });
      channel.on('close', () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ code, signal: sig, stdout, stderr });
      });
      if (stdin !== undefined) channel.end(Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength));
    });
  });
}

/** Opens the SFTP subsystem. */
function openSftp(client: SshClient, signal: AbortSignal): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    client.sftp((error, sftp) => {
      if (error)
        reject(
          new AttestError(
            'ERR_TRANSPORT_SFTP_FAILED',
            `the guest offers no SFTP subsystem: ${sanitizeGuestText(error.message, 300)}`,
          ),
        );
      else resolve(sftp);
    });
  });
}

function sftpError(action: string, error: Error & { code?: number | string }): AttestError {
  return new AttestError(
    'ERR_TRANSPORT_SFTP_FAILED',
    `SFTP ${action} failed: ${sanitizeGuestText(error.message, 300)}`,
    {
      ...(error.code !== undefined ? { sftpCode: error.code } : {}),
    },
  );
}

/** Writes a new file (exclusive create, mode 0600). */
function uploadFile(sftp: SFTPWrapper, path: string, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.writeFile(path, Buffer.from(data), { mode: 0o600, flag: 'wx' }, (error) =>
      error ? reject(sftpError(`upload of ${path}`, error)) : resolve(),
    );
  });
}

const NO_SUCH_FILE = 2;

/** Reads a file, refusing anything over `cap` bytes (checked by fstat first and while reading). */
function downloadFile(sftp: SFTPWrapper, path: string, cap: number, target: string): Promise<Uint8Array> {
  const tooLarge = (size: number | string) =>
    new AttestError(
      'ERR_TRANSPORT_RESPONSE_TOO_LARGE',
      `the response on ${target} is ${size} bytes, over the ${cap}-byte cap; refusing to download it`,
      {
        cap,
        ...(typeof size === 'number' ? { size } : {}),
      },
    );
  return new Promise((resolve, reject) => {
    sftp.open(path, 'r', (openError, handle) => {
      if (openError) {
        const code = (openError as Error & { code?: number }).code;
        reject(
          code === NO_SUCH_FILE
            ? new AttestError(
                'ERR_TRANSPORT_RESPONSE_MISSING',
                `perform exited 0 on ${target} but wrote no response file`,
              )
            : sftpError(`open of ${path}`, openError),
        );
        return;
      }
      const fail = (error: AttestError) => sftp.close(handle, () => reject(error));
      sftp.fstat(handle, (statError, stats) => {
        if (statError) return fail(sftpError(`stat of ${path}`, statError));
        if (stats.size > cap) return fail(tooLarge(stats.size));
        const chunks: Buffer[] = [];
        let total = 0;
        const readNext = () => {
          const buf = Buffer.alloc(READ_CHUNK);
          sftp.read(handle, buf, 0, READ_CHUNK, total, (readError, bytesRead) => {
            if (readError) {
              if ((readError as Error & { code?: number }).code === 1 /* EOF */) return done();
              return fail(sftpError(`read of ${path}`, readError));
            }
            if (bytesRead === 0) return done();
            total += bytesRead;
            if (total > cap) return fail(tooLarge(`more than ${cap}`));
            chunks.push(buf.subarray(0, bytesRead));
            readNext();
          });
        };
        const done = () => sftp.close(handle, () => resolve(new Uint8Array(Buffer.concat(chunks, total))));
        readNext();
      });
    });
  });
}

/** Emits events to a listener that must never break the run. */
function emitter(onStep: ((e: GuestStepEvent) => void) | undefined): (e: GuestStepEvent) => void {
  return (e) => {
    try {
      onStep?.(e);
    } catch {
      // a progress listener must not break the run
    }
  };
}

type Timed = <T>(
  step: GuestStep,
  ms: number,
  fn: (s: AbortSignal) => Promise<T>,
  extra?: (v: T) => Partial<GuestStepEvent>,
  cancellable?: boolean,
) => Promise<T>;

/** Runs steps in a scope, emitting start / done / failed with their timing and code. */
function timer(scope: RunScope, emit: (e: GuestStepEvent) => void): Timed {
  return async (step, ms, fn, extra, cancellable = true) => {
    const started = Date.now();
    emit({ step, status: 'start' });
    try {
      const value = await scope.step(step, ms, fn, cancellable);
      emit({ step, status: 'done', elapsedMs: Date.now() - started, ...extra?.(value) });
      return value;
    } catch (error) {
      const code: ErrorCode = isAttestError(error) ? error.code : 'ERR_TRANSPORT_INTERNAL';
      emit({ step, status: 'failed', elapsedMs: Date.now() - started, code });
      throw error;
    }
  };
}

/** The ssh2 GuestTransport. */
export class SshGuestTransport implements GuestTransport {
  readonly target: string;
  private readonly timeouts: SshTimeouts;

  constructor(private readonly params: SshGuestTransportParams) {
    this.target = formatGuestAddress(params.guest.address);
    this.timeouts = { ...DEFAULT_SSH_TIMEOUTS, ...params.timeouts };
    const cmd = params.remoteCommand ?? DEFAULT_PVATTEST_COMMAND;
    if (cmd.trim() === '' || /[\n\r\0]/.test(cmd)) {
      throw new AttestError('ERR_TRANSPORT_REMOTE_COMMAND_FAILED', 'the remote command must be one non-empty line');
    }
  }

  /** Connects (through the jump host if any), runs the perform steps, always cleans up, and closes. */
  async performOnGuest(p: PerformOnGuestParams): Promise<PerformOnGuestResult> {
    const scope = new RunScope(this.target, p.signal, this.timeouts.totalMs);
    const emit = emitter(p.onStep);
    const clients: SshClient[] = [];
    try {
      const connected = await this.connectTimed(timer(scope, emit), clients);
      return await this.performSteps(scope, emit, connected.client, connected.hostKey, p);
    } finally {
      scope.dispose();
      for (const x of clients.reverse()) x.end();
    }
  }

  /**
   * Opens one connection for several operations (attest, upload, commands, attest again) so that everything
   * happens over the channel whose host key was checked once. Emits the `connect` step.
   */
  async openSession(
    p: { signal?: AbortSignal; onStep?: (event: GuestStepEvent) => void } = {},
  ): Promise<SshGuestSession> {
    const hops = this.params.jump ? [this.params.jump, this.params.guest] : [this.params.guest];
    const budget = hops.reduce((ms, hop) => ms + this.hopConnectMs(hop), 0);
    const scope = new RunScope(this.target, p.signal, budget + this.timeouts.connectMs);
    const clients: SshClient[] = [];
    try {
      const connected = await this.connectTimed(timer(scope, emitter(p.onStep)), clients);
      return new SshGuestSession(this, clients, connected.client, connected.hostKey);
    } catch (error) {
      for (const x of clients.reverse()) x.end();
      throw error;
    } finally {
      scope.dispose();
    }
  }

  /** The connect step: identities checked, then every hop connected. */
  private async connectTimed(timed: Timed, clients: SshClient[]): Promise<{ client: SshClient; hostKey: HostKeyInfo }> {
    checkIdentity(this.params.identity);
    if (this.params.jumpIdentity) checkIdentity(this.params.jumpIdentity);
    const hops = this.params.jump ? [this.params.jump, this.params.guest] : [this.params.guest];
    return timed(
      'connect',
      hops.reduce((ms, hop) => ms + this.hopConnectMs(hop), 0),
      (signal) => this.connect(signal, clients),
      (v) => ({ hostKey: v.hostKey }),
    );
  }

  /** @internal The run's timeouts. */
  get runTimeouts(): SshTimeouts {
    return this.timeouts;
  }

  /**
   * @internal Prepare (private temp dir), upload, [user data from the guest's host-key file], perform, download,
   * and cleanup in every outcome once the temp dir was asked for.
   */
  async performSteps(
    scope: RunScope,
    emit: (e: GuestStepEvent) => void,
    c: SshClient,
    hostKey: HostKeyInfo,
    p: PerformOnGuestParams,
  ): Promise<PerformOnGuestResult> {
    const t = this.timeouts;
    const timed = timer(scope, emit);
    const runId = randomBytes(8).toString('hex');
    let dir: string | undefined;
    let primaryError: unknown;
    const withUserData = p.userData !== undefined || p.userDataFromHostKeyFile !== undefined;
    try {
      dir = await timed('prepare', t.stepMs, (signal) => this.makeTempDir(c, runId, signal));
      const d = dir;
      const sftp = await timed(
        'upload',
        t.stepMs,
        async (signal) => {
          const s = await openSftp(c, signal);
          await uploadFile(s, `${d}/${REQUEST_FILE}`, p.request);
          if (p.userData !== undefined) await uploadFile(s, `${d}/${USER_DATA_FILE}`, p.userData);
          if (p.userDataFromHostKeyFile !== undefined) {
            const r = await execRemote(
              c,
              buildHostKeyDigestCommand(p.userDataFromHostKeyFile, `${d}/${USER_DATA_FILE}`),
              signal,
            );
            if (r.code !== 0)
              throw new AttestError(
                'ERR_TRANSPORT_REMOTE_COMMAND_FAILED',
                `could not read the SSH host key ${p.userDataFromHostKeyFile} on ${this.target} (exit ${r.code}): ${sanitizeGuestText(r.stderr, 300)}`,
                { exitCode: r.code },
              );
          }
          return s;
        },
        () => ({ bytes: p.request.length + (p.userData?.length ?? 0) }),
      );
      const performed = await timed('perform', t.stepMs, (signal) => this.runPerform(c, d, withUserData, signal));
      const response = await timed(
        'download',
        t.stepMs,
        (signal) =>
          new Promise<Uint8Array>((resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            downloadFile(
              sftp,
              `${d}/${RESPONSE_FILE}`,
              this.params.responseSizeCap ?? DEFAULT_RESPONSE_SIZE_CAP,
              this.target,
            ).then(resolve, reject);
          }),
        (r) => ({ bytes: r.length }),
      );
      sftp.end();
      return { response, hostKey, exitCode: 0, stderr: performed };
    } catch (error) {
      primaryError = error;
      throw error;
    } finally {
      await this.cleanupSteps(timed, c, dir, runId, primaryError);
    }
  }

  /** @internal Removes the run's temp dir (by path, or by run id when its path never came back). */
  async cleanupSteps(
    timed: Timed,
    c: SshClient,
    dir: string | undefined,
    runId: string,
    primaryError: unknown,
  ): Promise<void> {
    const d = dir ?? `$TMPDIR/se-attest.${runId}.*`;
    const command = dir !== undefined ? buildCleanupCommand(dir) : buildCleanupByRunIdCommand(runId);
    try {
      await timed(
        'cleanup',
        this.timeouts.cleanupMs,
        async (signal) => {
          const r = await execRemote(c, command, signal);
          if (r.code !== 0) {
            throw new AttestError(
              'ERR_TRANSPORT_REMOTE_COMMAND_FAILED',
              `could not remove ${d} on ${this.target}: ${sanitizeGuestText(r.stderr, 300)}`,
              {
                leftoverDirectory: d,
              },
            );
          }
        },
        undefined,
        false,
      );
    } catch (cleanupError) {
      // The first error wins; a failed cleanup after success is reported as the error (the guest needs attention).
      if (primaryError === undefined) {
        throw isAttestError(cleanupError)
          ? new AttestError(cleanupError.code, cleanupError.message, {
              ...cleanupError.details,
              step: 'cleanup',
              leftoverDirectory: d,
            })
          : cleanupError;
      }
      // otherwise the primary error stays the reported one, naming the directory that may be left behind
      if (isAttestError(primaryError)) {
        throw new AttestError(primaryError.code, primaryError.message, {
          ...primaryError.details,
          leftoverDirectory: d,
        });
      }
    }
  }

  /**
   * @internal Runs one command in a fresh private temp dir holding `files`, writing `stdin` (from memory) to the
   * command's standard input; the dir is removed afterwards in every outcome.
   */
  async runInTempDir(c: SshClient, p: GuestCommandParams): Promise<GuestCommandResult> {
    const t = this.timeouts;
    const scope = new RunScope(this.target, p.signal, t.totalMs);
    const timed = timer(scope, emitter(undefined));
    const runId = randomBytes(8).toString('hex');
    let dir: string | undefined;
    let primaryError: unknown;
    try {
      dir = await timed('prepare', t.stepMs, (signal) => this.makeTempDir(c, runId, signal));
      const d = dir;
      if (p.files?.length) {
        await timed('upload', t.stepMs, async (signal) => {
          const s = await openSftp(c, signal);
          for (const f of p.files ?? []) await uploadFile(s, `${d}/${f.name}`, f.bytes);
          s.end();
        });
      }
      const r = await timed('perform', t.stepMs, (signal) => execRemote(c, p.command(d), signal, p.stdin));
      if (r.code === null && r.signal === undefined)
        throw new AttestError(
          'ERR_TRANSPORT_CONNECTION_LOST',
          `the connection to ${this.target} was lost while a command ran`,
        );
      return { exitCode: r.code, stdout: r.stdout, stderr: sanitizeGuestText(r.stderr) };
    } catch (error) {
      primaryError = error;
      throw error;
    } finally {
      scope.dispose();
      await this.cleanupSteps(timed, c, dir, runId, primaryError);
    }
  }

  /** Connect budget of one hop: the connect timeout, plus time for a person to decide when the policy asks. */
  private hopConnectMs(hop: SshHop): number {
    return this.timeouts.connectMs + (hop.hostKeys.decide ? this.timeouts.decideMs : 0);
  }

  /** Connects to the jump host (if any) and the guest. */
  private async connect(
    signal: AbortSignal,
    clients: SshClient[],
  ): Promise<{ client: SshClient; hostKey: HostKeyInfo }> {
    const { guest, jump, identity, jumpIdentity } = this.params;
    if (!jump) {
      const r = await openClient(guest, identity, 'guest', this.hopConnectMs(guest), signal);
      clients.push(r.client);
      return r;
    }
    const j = await openClient(jump, jumpIdentity ?? identity, 'jump host', this.hopConnectMs(jump), signal);
    clients.push(j.client);
    const stream = await new Promise<ClientChannel>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      j.client.forwardOut('127.0.0.1', 0, guest.address.host, guest.address.port, (error, ch) => {
        if (error) {
          reject(
            new AttestError(
              'ERR_TRANSPORT_JUMP_FAILED',
              `jump host ${formatGuestAddress(jump.address)} could not open a tunnel to ${this.target}: ${sanitizeGuestText(error.message, 300)}`,
            ),
          );
        } else resolve(ch);
      });
    });
    const g = await openClient(guest, identity, 'guest', this.hopConnectMs(guest), signal, stream);
    clients.push(g.client);
    return g;
  }

  /** Creates the private temp dir and returns its path. */
  private async makeTempDir(client: SshClient, runId: string, signal: AbortSignal): Promise<string> {
    const r = await execRemote(client, buildMktempCommand(runId), signal);
    if (r.code === null)
      throw new AttestError(
        'ERR_TRANSPORT_CONNECTION_LOST',
        `the connection to ${this.target} was lost while creating a temp dir`,
      );
    const path = r.stdout.trim();
    if (r.code !== 0 || !isRunTempDir(path, runId)) {
      throw new AttestError(
        'ERR_TRANSPORT_REMOTE_COMMAND_FAILED',
        `could not create a private temp dir on ${this.target} (exit ${r.code}): ${sanitizeGuestText(r.stderr || r.stdout, 300)}`,
        { exitCode: r.code, stderr: sanitizeGuestText(r.stderr) },
      );
    }
    return path;
  }

  /** Runs pvattest perform; on failure, checks /dev/uv and builds the coded error with the guest's stderr. */
  private async runPerform(client: SshClient, dir: string, userData: boolean, signal: AbortSignal): Promise<string> {
    const command = buildPerformCommand({
      remoteCommand: this.params.remoteCommand ?? DEFAULT_PVATTEST_COMMAND,
      sudo: this.params.sudo === true,
      dir,
      userData,
    });
    const r = await execRemote(client, command, signal);
    if (r.code === 0) return sanitizeGuestText(r.stderr);
    if (r.code === null && r.signal === undefined) {
      throw new AttestError(
        'ERR_TRANSPORT_CONNECTION_LOST',
        `the connection to ${this.target} was lost while perform ran`,
      );
    }
    const stderr = sanitizeGuestText(r.stderr);
    const details = { exitCode: r.code, ...(r.signal ? { signal: r.signal } : {}), stderr, command };
    const check = await execRemote(client, UV_DEVICE_CHECK_COMMAND, signal).catch(() => undefined);
    if (check?.code === 1) {
      throw new AttestError(
        'ERR_TRANSPORT_UV_DEVICE_MISSING',
        `pvattest perform failed on ${this.target} (exit ${r.code}) and /dev/uv does not exist: the Ultravisor device driver is not loaded. ` +
          `Load it on the guest with "modprobe uvdevice" (as root), and make sure the guest runs as an IBM Secure Execution guest. Guest stderr: ${stderr || '(empty)'}`,
        { ...details, uvDevice: 'missing' },
      );
    }
    let hint = '';
    if (r.code === 127) hint = ' (command not found: install s390-tools on the guest or set --remote-command)';
    else if (/sudo: .*password is required|sudo: a terminal is required/i.test(r.stderr))
      hint = ' (sudo -n needs a NOPASSWD rule for this command)';
    throw new AttestError(
      'ERR_TRANSPORT_PERFORM_FAILED',
      `pvattest perform failed on ${this.target} with ${r.code === null ? `signal ${r.signal}` : `exit code ${r.code}`}${hint}: ${stderr || '(no stderr)'}`,
      details,
    );
  }
}

/** One open connection to a guest (see `SshGuestTransport.openSession`). */
export class SshGuestSession implements GuestSession {
  readonly target: string;
  private closed = false;

  constructor(
    private readonly transport: SshGuestTransport,
    private readonly clients: SshClient[],
    private readonly client: SshClient,
    readonly hostKey: HostKeyInfo,
  ) {
    this.target = transport.target;
  }

  /** A perform over this connection (no new connect step). */
  async performOnGuest(p: PerformOnGuestParams): Promise<PerformOnGuestResult> {
    this.assertOpen();
    const scope = new RunScope(this.target, p.signal, this.transport.runTimeouts.totalMs);
    try {
      return await this.transport.performSteps(scope, emitter(p.onStep), this.client, this.hostKey, p);
    } finally {
      scope.dispose();
    }
  }

  /** Runs a command over this connection in a private temp dir, with files and standard input from memory. */
  async runCommand(p: GuestCommandParams): Promise<GuestCommandResult> {
    this.assertOpen();
    return this.transport.runInTempDir(this.client, p);
  }

  /** Closes the connection (and the jump host's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const x of [...this.clients].reverse()) x.end();
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AttestError('ERR_TRANSPORT_CONNECTION_LOST', `the session with ${this.target} is closed`);
  }
}
