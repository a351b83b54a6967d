/**
 * A real OpenSSH server for integration tests: `/usr/sbin/sshd -D -e -f <generated config>` on 127.0.0.1 and a
 * free port, with a generated host key and authorized key, everything inside one temp dir.
 * `SetEnv PATH=…` puts test shims (e.g. a `pvattest` that runs the software Ultravisor) on the remote PATH.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD_PATH = '/usr/sbin/sshd';
const KEYGEN = '/usr/bin/ssh-keygen';

/** Why the real-sshd tests cannot run here, or undefined when they can. */
export function whySshdUnavailable(): string | undefined {
  if (!existsSync(SSHD_PATH)) return `${SSHD_PATH} is not installed (apt-get install -y openssh-server)`;
  if (!existsSync(KEYGEN)) return `${KEYGEN} is not installed`;
  return undefined;
}

/** A running sshd. */
export interface RealSshd {
  readonly port: number;
  readonly user: string;
  /** `user@127.0.0.1:port`. */
  readonly address: string;
  /** Fingerprint (`SHA256:…`) of the host key it serves, as ssh-keygen prints it. */
  readonly fingerprint: string;
  /** Client private key file accepted by the server. */
  readonly identityPath: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Options for `startSshd`. */
export interface StartSshdParams {
  /** Directory prepended to the remote PATH. */
  readonly pathDir?: string;
  /** Reuse the client key of another server (so one identity fits both). */
  readonly identityPath?: string;
  /** More environment of every session (e.g. TMPDIR, so a test's temp dirs never mix with another test's). */
  readonly env?: Readonly<Record<string, string>>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts sshd and resolves once it logs "Server listening". */
export async function startSshd(params: StartSshdParams = {}): Promise<RealSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'sshd-'));
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  let identityPath = params.identityPath;
  if (identityPath === undefined) {
    identityPath = join(dir, 'id_ed25519');
    execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', identityPath]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityPath}.pub`), { mode: 0o600 });
  const fingerprint = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(
    ' ',
  )[1]!;
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const user = userInfo().username;
  const basePath = '/usr/local/bin:/usr/bin:/bin';
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    `SetEnv PATH=${params.pathDir ? `${params.pathDir}:` : ''}${basePath}${Object.entries(params.env ?? {})
      .map(([k, v]) => ` ${k}=${v}`)
      .join('')}`,
    'LogLevel INFO',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Server listening on 127.0.0.1')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
  });
  child.stderr!.resume();
  return {
    port,
    user,
    address: `${user}@127.0.0.1:${port}`,
    fingerprint,
    identityPath,
    dir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          rmSync(dir, { recursive: true, force: true });
          return resolve();
        }
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
