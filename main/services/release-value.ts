/**
 * Where a release's value comes from at release time: a file (a regular file, bounded), standard input (the
 * CLI only), or the OS keychain where one is available (`secret-tool` of libsecret on Linux, `security` on
 * macOS). The value is returned to the caller, who wipes it; it never reaches a log, a message or the store.
 */
import { execFile } from 'node:child_process';

import { AttestError, isAttestError } from '../../shared/errors/index.js';
import { wipe } from '../engine/bytes.js';
import type { ValueSource } from '../../shared/types/release.js';
import { readFileBounded } from '../fs/index.js';

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

/** A value file: a regular file of at most 1 MiB (main/fs's reader); its failure code is kept in the details. */
function readValueFile(path: string, cwd: string | undefined): Uint8Array {
  try {
    return readFileBounded(path, MAX_RELEASE_VALUE_SIZE, cwd !== undefined ? { cwd } : {});
  } catch (e) {
    if (!isAttestError(e)) throw e;
    throw unavailable(`the value file cannot be used: ${e.message}`, { path, cause: e.code });
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
          wipe(out);
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
        wipe(out);
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
    case 'file':
      return readValueFile(source.path, p.cwd);
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
