/**
 * A simulated IBM Secure Execution guest: an in-process ssh2 SSH server on 127.0.0.1 with exec and SFTP over an
 * in-memory file system, whose `pvattest perform` runs the software Ultravisor (engine `performAttestation`)
 * with the guest's host private keys, SE header and CUID. Faults can be injected to exercise every failure path
 * of the transport. Used by the demo, tests and benchmarks.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ServerChannel, type SFTPWrapper } from 'ssh2';
import { isAttestError } from '../../shared/errors/index.js';
import { systemContext } from '../engine/crypto/context.js';
import { sha256 } from '../engine/crypto/primitives.js';
import { performAttestation } from '../engine/attest/ultravisor.js';
import { SoftwareSecretStore } from '../engine/attest/secret-store.js';
import { computeHostKeyFingerprint } from '../transport/host-key.js';
import {
  UV_DEVICE_CHECK_COMMAND,
  parseHostKeyDigestCommand,
  parseMktempCommand,
} from '../transport/remote-commands.js';
import { runPvsecret, type PvsecretFiles } from './pvsecret.js';

const { Server, utils } = ssh2;

/** Faults the simulated guest can inject. */
export type SimulatedFault =
  | 'wrong-host-key'
  | 'auth-failure'
  | 'hang'
  | 'slow-link'
  | 'perform-error'
  | 'missing-uv-device'
  | 'truncated-response'
  | 'garbage-response'
  | 'tampered-measurement'
  | 'oversized-response'
  | 'cleanup-failure'
  | 'secret-add-rejected'
  | 'secret-store-locked'
  | 'pvsecret-missing'
  | 'channel-key-mismatch';

/** How to build a simulated guest. */
export interface SimulatedGuestParams {
  /** P-521 host private keys (66-byte scalars) the software Ultravisor holds. */
  readonly hostPrivateKeys: readonly Uint8Array[];
  /** SE header of the guest image (bare header or whole image). */
  readonly seHeader: Uint8Array;
  /** Configuration unique ID, 16 bytes. */
  readonly cuid: Uint8Array;
  /** SSH public keys allowed to log in (OpenSSH `authorized_keys` lines or key blobs). */
  readonly authorizedKeys: readonly (string | Uint8Array)[];
  /** Login user; default `root`. */
  readonly user?: string;
  /** SSH host private key (OpenSSH or PEM); default a fresh Ed25519 key. */
  readonly hostKey?: string;
  /** The command name `perform` is expected after (default `pvattest`). */
  readonly pvattestCommand?: string;
  readonly fault?: SimulatedFault;
  /** Delay per SFTP reply and exec for `slow-link`, ms (default 50). */
  readonly slowLinkDelayMs?: number;
  /** Size of the `oversized-response` file (default 8 MiB). */
  readonly oversizeBytes?: number;
  /** Exit code and stderr for `perform-error`. */
  readonly performExitCode?: number;
  readonly performStderr?: string;
  /** Act as a jump host too: allow `direct-tcpip` forwarding, to 127.0.0.1 only. */
  readonly allowForwarding?: boolean;
  /** Replaces the software Ultravisor (tests of the transport alone). */
  readonly perform?: (request: Uint8Array, userData: Uint8Array | undefined) => Uint8Array;
  /** The command name `add`, `lock`, `list` and `retrieve` are expected after (default `pvsecret`). */
  readonly pvsecretCommand?: string;
  /** Listable secrets the secret store holds at most. */
  readonly secretStoreCapacity?: number;
  /** The Ultravisor rc of `secret-add-rejected` (default 0x010c, "unable to add secret"). */
  readonly secretAddRc?: number;
  /** Where the guest keeps its SSH public host key (default `/etc/ssh/ssh_host_ed25519_key.pub`). */
  readonly sshHostKeyFile?: string;
  /** Guest commands that read a secret on standard input (channel-bound release), e.g. `cryptsetup open …`. */
  readonly secretSinks?: readonly string[];
}

/** Bytes a secret-sink command received on its standard input. */
export interface ReceivedSecret {
  readonly command: string;
  readonly stdin: Uint8Array;
}

/** A running simulated guest. */
export interface SimulatedGuest {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** The `SHA256:` fingerprint of the host key the guest claims to have (pin this). */
  readonly fingerprint: string;
  /** `user@127.0.0.1:port`. */
  readonly address: string;
  /** Every directory and file left in the guest's file system (empty when clean). */
  listFiles(): string[];
  /** Commands executed so far (for assertions). */
  readonly commands: readonly string[];
  /** Number of `pvattest perform` runs that reached the Ultravisor. */
  readonly performCount: number;
  /** The guest's secret store in its software Ultravisor. */
  readonly secretStore: SoftwareSecretStore;
  /** Every add-secret request `pvsecret add` was given (accepted or not). */
  readonly addSecretRequests: readonly Uint8Array[];
  /** What secret-sink commands received on standard input, in order. */
  readonly received: readonly ReceivedSecret[];
  /** The SSH public key blob the guest presents. */
  readonly hostKeyBlob: Uint8Array;
  close(): Promise<void>;
}

const PVATTEST_UV_MISSING = 'error: Failed to open /dev/uv: No such file or directory (os error 2)\n';
const MEASUREMENT_ENTRY_OFFSET = 0x24;

/** Splits a POSIX sh command line into words (single and double quotes, no expansion). */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote');
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error('unterminated quote');
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * Generates an Ed25519 SSH key pair (OpenSSH private key, authorized_keys public line). ssh2's generator
 * sometimes drops a leading zero byte of the public key and writes a key its own parser rejects (~0.3%), so
 * pairs are drawn until both halves parse.
 */
export function generateSshKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
  }
}

function authorizedBlob(key: string | Uint8Array): Buffer {
  if (typeof key !== 'string') return Buffer.from(key);
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw new Error(`authorized key: ${parsed.message}`);
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  return k.getPublicSSH();
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Starts a simulated guest on 127.0.0.1 and a free port. */
export async function startSimulatedGuest(params: SimulatedGuestParams): Promise<SimulatedGuest> {
  const user = params.user ?? 'root';
  const pvattest = params.pvattestCommand ?? 'pvattest';
  const claimedKey = params.hostKey ?? generateSshKeyPair().private;
  const servedKey = params.fault === 'wrong-host-key' ? generateSshKeyPair().private : claimedKey;
  const claimed = utils.parseKey(claimedKey);
  if (claimed instanceof Error) throw claimed;
  const fingerprint = computeHostKeyFingerprint((Array.isArray(claimed) ? claimed[0] : claimed).getPublicSSH());
  const served = utils.parseKey(servedKey);
  if (served instanceof Error) throw served;
  const hostKeyBlob = new Uint8Array((Array.isArray(served) ? served[0] : served).getPublicSSH());
  const hostKeyFile = params.sshHostKeyFile ?? '/etc/ssh/ssh_host_ed25519_key.pub';
  const pvsecret = params.pvsecretCommand ?? 'pvsecret';
  const secretStore = new SoftwareSecretStore(
    { hostPrivateKeys: params.hostPrivateKeys, seHeader: params.seHeader, cuid: params.cuid },
    {
      ctx: systemContext(),
      ...(params.secretStoreCapacity !== undefined ? { capacity: params.secretStoreCapacity } : {}),
    },
  );
  if (params.fault === 'secret-store-locked') secretStore.lock();
  const addSecretRequests: Uint8Array[] = [];
  const received: ReceivedSecret[] = [];
  const allowed = params.authorizedKeys.map(authorizedBlob);
  const delayMs = params.fault === 'slow-link' ? (params.slowLinkDelayMs ?? 50) : 0;
  const later = (fn: () => void) => (delayMs > 0 ? void setTimeout(fn, delayMs) : fn());

  const dirs = new Set<string>(['/tmp']);
  const files = new Map<string, Buffer>();
  const commands: string[] = [];
  let performCount = 0;
  const connections = new Set<Connection>();
  const hangingChannels = new Set<ServerChannel>();

  const runPerform = (words: string[], channel: ServerChannel, finish: (code: number, stderr?: string) => void) => {
    const args = new Map<string, string>();
    for (let i = 0; i < words.length; i += 2) {
      const flag = words[i]!;
      const value = words[i + 1];
      if (!['-i', '-o', '-u'].includes(flag) || value === undefined)
        return finish(2, `error: unexpected argument '${flag}'\n`);
      args.set(flag, value);
    }
    const input = args.get('-i');
    const output = args.get('-o');
    if (input === undefined || output === undefined)
      return finish(2, 'error: the following required arguments were not provided: --input --output\n');
    if (params.fault === 'hang') {
      hangingChannels.add(channel);
      channel.on('close', () => hangingChannels.delete(channel));
      return;
    }
    if (params.fault === 'missing-uv-device') return finish(1, PVATTEST_UV_MISSING);
    if (params.fault === 'perform-error') {
      return finish(
        params.performExitCode ?? 1,
        params.performStderr ?? 'error: Ultravisor: The attestation request has an unsupported version (0x0106)\n',
      );
    }
    const request = files.get(input);
    if (request === undefined) return finish(1, `error: Cannot read ${input}: No such file or directory\n`);
    const userPath = args.get('-u');
    const userData = userPath === undefined ? undefined : files.get(userPath);
    if (userPath !== undefined && userData === undefined)
      return finish(1, `error: Cannot read ${userPath}: No such file or directory\n`);
    if (!dirs.has(parentOf(output))) return finish(1, `error: Cannot create ${output}: No such file or directory\n`);
    let response: Buffer;
    try {
      performCount++;
      const uv =
        params.perform ??
        ((req: Uint8Array, ud: Uint8Array | undefined) =>
          performAttestation({
            request: req,
            hostPrivateKeys: params.hostPrivateKeys,
            seHeader: params.seHeader,
            cuid: params.cuid,
            ...(ud ? { userData: ud } : {}),
            secretStore: secretStore.hashInput(),
          }));
      response = Buffer.from(uv(new Uint8Array(request), userData ? new Uint8Array(userData) : undefined));
    } catch (error) {
      if (isAttestError(error, 'ERR_UV_RC')) {
        const rc = Number(error.details?.rc ?? 0);
        return finish(1, `error: Ultravisor returned rc 0x${rc.toString(16).padStart(4, '0')}: ${error.message}\n`);
      }
      return finish(1, `error: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    if (params.fault === 'truncated-response') response = response.subarray(0, Math.floor(response.length / 2));
    else if (params.fault === 'garbage-response') response = randomBytes(response.length);
    else if (params.fault === 'tampered-measurement') {
      response = Buffer.from(response);
      const at = response.readUInt32BE(MEASUREMENT_ENTRY_OFFSET);
      response[at] = response[at]! ^ 0x01;
    } else if (params.fault === 'oversized-response') {
      response = Buffer.concat([response, Buffer.alloc(params.oversizeBytes ?? 8 * 1024 * 1024)]);
    }
    files.set(output, response);
    finish(0);
  };

  const fileSystem: PvsecretFiles = {
    read: (path) => {
      const f = files.get(path);
      return f === undefined ? undefined : new Uint8Array(f);
    },
    write: (path, data) => {
      if (!dirs.has(parentOf(path))) return false;
      files.set(path, Buffer.from(data));
      return true;
    },
  };

  const runCommand = (command: string, channel: ServerChannel) => {
    commands.push(command);
    const finish = (code: number, stderr?: string, stdout?: string | Uint8Array) =>
      later(() => {
        if (stdout && stdout.length > 0) channel.write(typeof stdout === 'string' ? stdout : Buffer.from(stdout));
        if (stderr) channel.stderr.write(stderr);
        channel.exit(code);
        channel.end();
      });
    const runId = parseMktempCommand(command);
    if (runId !== undefined) {
      const dir = `/tmp/se-attest.${runId}.${randomBytes(8).toString('hex').slice(0, 10)}`;
      dirs.add(dir);
      return finish(0, undefined, `${dir}\n`);
    }
    if (command === UV_DEVICE_CHECK_COMMAND) return finish(params.fault === 'missing-uv-device' ? 1 : 0);
    const digest = parseHostKeyDigestCommand(command);
    if (digest) {
      if (digest.keyFile !== hostKeyFile)
        return finish(1, `ssh-keygen: ${digest.keyFile}: No such file or directory\n`);
      if (!dirs.has(parentOf(digest.output)))
        return finish(2, `sh: 1: cannot create ${digest.output}: Directory nonexistent\n`);
      // a relay in between presents its own key; the guest reads the key it really holds
      const own = params.fault === 'channel-key-mismatch' ? new Uint8Array(randomBytes(51)) : hostKeyBlob;
      files.set(digest.output, Buffer.from(sha256(own)));
      return finish(0);
    }
    const sink = params.secretSinks?.find((c) => c === command.trim());
    if (sink !== undefined) {
      const chunks: Buffer[] = [];
      channel.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
      channel.on('end', () => {
        received.push({ command: sink, stdin: new Uint8Array(Buffer.concat(chunks)) });
        finish(0);
      });
      return;
    }
    let words: string[];
    try {
      words = splitShellWords(command);
    } catch {
      return finish(2, 'sh: 1: Syntax error: Unterminated quoted string\n');
    }
    if (words[0] === 'rm' && words[1] === '-rf' && words[2] === '--' && words.length === 4) {
      if (params.fault === 'cleanup-failure') return finish(1, `rm: cannot remove '${words[3]}': Permission denied\n`);
      const target = words[3]!.replace('${TMPDIR:-/tmp}', '/tmp');
      const glob = target.endsWith('*');
      const prefix = glob ? target.slice(0, -1) : target;
      const hit = (p: string) => (glob ? p.startsWith(prefix) : p === target || p.startsWith(`${target}/`));
      for (const d of [...dirs]) if (d !== '/tmp' && hit(d)) dirs.delete(d);
      for (const f of [...files.keys()]) if (hit(f)) files.delete(f);
      return finish(0);
    }
    if (words[0] === 'umask' && words[1] === '077' && words[2] === '&&') words = words.slice(3);
    if (words[0] === 'sudo' && words[1] === '-n') words = words.slice(2);
    const cmdWords = splitShellWords(pvattest);
    const matches = cmdWords.every((w, i) => words[i] === w) && words[cmdWords.length] === 'perform';
    if (matches) return runPerform(words.slice(cmdWords.length + 1), channel, finish);
    const secretWords = splitShellWords(pvsecret);
    if (params.fault !== 'pvsecret-missing' && secretWords.every((w, i) => words[i] === w)) {
      const out = runPvsecret(words.slice(secretWords.length), {
        store: secretStore,
        files: fileSystem,
        onAdd: (request) => addSecretRequests.push(request.slice()),
        ...(params.fault === 'secret-add-rejected' ? { rejectAddWith: params.secretAddRc ?? 0x010c } : {}),
      });
      return finish(out.exitCode, out.stderr, out.stdout);
    }
    return finish(127, `sh: 1: ${words[0] ?? ''}: not found\n`);
  };

  const serveSftp = (sftp: SFTPWrapper) => {
    const { STATUS_CODE, OPEN_MODE } = utils.sftp;
    const handles = new Map<number, { path: string; write: boolean }>();
    let nextHandle = 1;
    const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
    const status = (reqid: number, code: number, message?: string) => later(() => sftp.status(reqid, code, message));
    const attrsOf = (size: number, dir = false) => ({
      mode: dir ? 0o040700 : 0o100600,
      uid: 0,
      gid: 0,
      size,
      atime: 0,
      mtime: 0,
    });
    sftp.on('OPEN', (reqid, filename, flags) => {
      const write = (flags & OPEN_MODE.WRITE) !== 0;
      if (write) {
        if (!dirs.has(parentOf(filename))) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
        if ((flags & OPEN_MODE.EXCL) !== 0 && files.has(filename))
          return status(reqid, STATUS_CODE.FAILURE, 'file exists');
        if ((flags & OPEN_MODE.CREAT) === 0 && !files.has(filename)) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
        if ((flags & OPEN_MODE.TRUNC) !== 0 || !files.has(filename)) files.set(filename, Buffer.alloc(0));
      } else if (!files.has(filename)) {
        return status(reqid, STATUS_CODE.NO_SUCH_FILE);
      }
      const id = nextHandle++;
      handles.set(id, { path: filename, write });
      const h = Buffer.alloc(4);
      h.writeUInt32BE(id, 0);
      later(() => sftp.handle(reqid, h));
    });
    sftp.on('WRITE', (reqid, handle, offset, data) => {
      const h = handleOf(handle);
      const cur = h && files.get(h.path);
      if (!h || !h.write || cur === undefined) return status(reqid, STATUS_CODE.FAILURE);
      const next = Buffer.alloc(Math.max(cur.length, offset + data.length));
      cur.copy(next);
      data.copy(next, offset);
      files.set(h.path, next);
      status(reqid, STATUS_CODE.OK);
    });
    sftp.on('READ', (reqid, handle, offset, length) => {
      const h = handleOf(handle);
      const cur = h && files.get(h.path);
      if (!h || cur === undefined) return status(reqid, STATUS_CODE.FAILURE);
      if (offset >= cur.length) return status(reqid, STATUS_CODE.EOF);
      const chunk = cur.subarray(offset, Math.min(cur.length, offset + length));
      later(() => sftp.data(reqid, chunk));
    });
    sftp.on('FSTAT', (reqid, handle) => {
      const h = handleOf(handle);
      const cur = h && files.get(h.path);
      if (!h || cur === undefined) return status(reqid, STATUS_CODE.FAILURE);
      later(() => sftp.attrs(reqid, attrsOf(cur.length)));
    });
    const stat = (reqid: number, path: string) => {
      const cur = files.get(path);
      if (cur !== undefined) return later(() => sftp.attrs(reqid, attrsOf(cur.length)));
      if (dirs.has(path)) return later(() => sftp.attrs(reqid, attrsOf(0, true)));
      status(reqid, STATUS_CODE.NO_SUCH_FILE);
    };
    sftp.on('STAT', stat);
    sftp.on('LSTAT', stat);
    sftp.on('FSETSTAT', (reqid) => status(reqid, STATUS_CODE.OK));
    sftp.on('SETSTAT', (reqid) => status(reqid, STATUS_CODE.OK));
    sftp.on('CLOSE', (reqid, handle) => {
      const h = handleOf(handle);
      if (!h) return status(reqid, STATUS_CODE.FAILURE);
      handles.delete(handle.readUInt32BE(0));
      status(reqid, STATUS_CODE.OK);
    });
    sftp.on('REMOVE', (reqid, path) => {
      if (!files.delete(path)) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
      status(reqid, STATUS_CODE.OK);
    });
    sftp.on('REALPATH', (reqid, path) =>
      later(() =>
        sftp.name(reqid, [{ filename: path === '.' ? '/root' : path, longname: path, attrs: attrsOf(0, true) }]),
      ),
    );
  };

  const server = new Server({ hostKeys: [servedKey] }, (client) => {
    connections.add(client);
    (client as Connection & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx: AuthContext) => {
      if (params.fault === 'auth-failure' || ctx.username !== user || ctx.method !== 'publickey')
        return ctx.reject(['publickey']);
      const blob = ctx.key.data;
      const ok = allowed.some((a) => a.length === blob.length && timingSafeEqual(a, blob));
      if (!ok) return ctx.reject(['publickey']);
      if (ctx.signature === undefined) return ctx.accept();
      const pub = utils.parseKey(blob);
      const key = Array.isArray(pub) ? pub[0] : pub;
      if (key instanceof Error || key === undefined || ctx.blob === undefined) return ctx.reject(['publickey']);
      if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        if (params.allowForwarding !== true || info.destIP !== '127.0.0.1') return reject();
        const socket = connectTcp(info.destPort, '127.0.0.1');
        socket.once('error', () => reject());
        socket.once('connect', () => {
          const channel = accept();
          channel.pipe(socket).pipe(channel);
          socket.on('error', () => channel.destroy());
          channel.on('close', () => socket.destroy());
        });
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => runCommand(info.command, accept()));
        session.on('sftp', (accept) => serveSftp(accept()));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    host: '127.0.0.1',
    port,
    user,
    fingerprint,
    address: `${user}@127.0.0.1:${port}`,
    listFiles: () => [...[...dirs].filter((d) => d !== '/tmp'), ...files.keys()].sort(),
    commands,
    get performCount() {
      return performCount;
    },
    secretStore,
    addSecretRequests,
    received,
    hostKeyBlob,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ch of hangingChannels) ch.destroy();
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}
