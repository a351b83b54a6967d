/**
 * Where a release's value comes from at release time: a file (a regular file, bounded), standard input (the
 * CLI only), or the OS keychain where one is available (`secret-tool` of libsecret on Linux, `security` on
 * macOS). The value is returned to the caller, who wipes it; it never reaches a log, a message or the store.
 */
import { execFile } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { AttestError } from '../../shared/errors/index.js';
import type { ValueSource } from '../../shared/types/release.js';

/** The largest value read (a passphrase, a key file or a plaintext secret). */
export const MAX_RELEASE_VALUE_SIZE = 1024 * 1024;
const KEYCHAIN_TIMEOUT_MS = 15_000;

/** How to read values. */
export interface ReadValueParams {
  /** Standard input (absent where there is none, e.g. the desktop app). */
  readonly stdin?: (max: number) => Promise<Uint8Array>;
  /** The keychain lookup (default: the OS's command-line tool). */
  readonly keychain?: (service: string, account: string) => Promise<Uint8Array>;
  /** Resolves relative file paths. */
  readonly cwd?: string;
}

const unavailable = (message: string, details?: Record<string, unknown>) =>
  new AttestError('ERR_RELEASE_VALUE_UNAVAILABLE', message, details);

function readValueFile(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw unavailable(`cannot open the value file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw unavailable(`the value file ${path} is not a regular file`, { path });
    if (st.size > MAX_RELEASE_VALUE_SIZE)
      throw new AttestError('ERR_INPUT_TOO_LARGE', `the value file ${path} is larger than 1 MiB`, { path });
    const out = new Uint8Array(st.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === out.length ? out : out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Runs a keychain tool and returns its stdout bytes (the secret), without a trailing newline. */
function runKeychainTool(file: string, args: readonly string[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'buffer', timeout: KEYCHAIN_TIMEOUT_MS, maxBuffer: MAX_RELEASE_VALUE_SIZE, windowsHide: true },
      (error, stdout) => {
        const out = stdout as Buffer;
        if (error) {
          out.fill(0);
          if ((error as NodeJS.ErrnoException).code === 'ENOENT')
            return reject(
              new AttestError('ERR_RELEASE_KEYCHAIN_UNAVAILABLE', `no OS keychain tool (${file}) on this machine`, {
                tool: file,
              }),
            );
          return reject(
            unavailable(`the keychain has no such entry (${file} exited ${String(error.code ?? 'with an error')})`),
          );
        }
        let end = out.length;
        if (end > 0 && out[end - 1] === 0x0a) end--;
        const value = new Uint8Array(out.subarray(0, end));
        out.fill(0);
        resolve(value);
      },
    );
  });
}

/** The OS keychain lookup: libsecret's `secret-tool` (Linux) or `security` (macOS). */
export function readOsKeychain(service: string, account: string): Promise<Uint8Array> {
  if (process.platform === 'darwin')
    return runKeychainTool('security', ['find-generic-password', '-s', service, '-a', account, '-w']);
  if (process.platform === 'win32')
    return Promise.reject(
      new AttestError(
        'ERR_RELEASE_KEYCHAIN_UNAVAILABLE',
        'the Windows credential store is not supported: use a file or stdin',
      ),
    );
  return runKeychainTool('secret-tool', ['lookup', 'service', service, 'account', account]);
}

/** Reads the value of `source`; throws ERR_RELEASE_VALUE_UNAVAILABLE / ERR_RELEASE_KEYCHAIN_UNAVAILABLE. */
export async function readReleaseValue(source: ValueSource, p: ReadValueParams = {}): Promise<Uint8Array> {
  switch (source.kind) {
    case 'file': {
      const path = p.cwd && !source.path.startsWith('/') ? `${p.cwd}/${source.path}` : source.path;
      return readValueFile(path);
    }
    case 'stdin':
      if (!p.stdin) throw unavailable('this release reads its value from standard input: run it from the command line');
      return p.stdin(MAX_RELEASE_VALUE_SIZE);
    case 'keychain':
      return (p.keychain ?? readOsKeychain)(source.service, source.account);
  }
}

/** How a source is named in messages and records (never the value). */
export function describeValueSource(source: ValueSource): string {
  if (source.kind === 'file') return `file ${source.path}`;
  if (source.kind === 'stdin') return 'standard input';
  return `keychain ${source.service}/${source.account}`;
}
