/**
 * The exact shell commands the transport runs on a guest (POSIX sh). The simulated guest recognises these same
 * strings, so both sides import them from here.
 */

const TEMP_PARENT = '"${TMPDIR:-/tmp}"';
const MKTEMP = /^umask 077 && mktemp -d "\$\{TMPDIR:-\/tmp\}"\/se-attest\.([0-9a-f]{16})\.XXXXXXXXXX$/;

/**
 * Creates a private (0700) temp dir and prints its path. `runId` (16 hex digits, fresh per run) is part of the
 * name so the dir can be removed by prefix even when the step timed out before its path came back.
 */
export function buildMktempCommand(runId: string): string {
  return `umask 077 && mktemp -d ${TEMP_PARENT}/se-attest.${runId}.XXXXXXXXXX`;
}

/** The run id of a command built by `buildMktempCommand`, or undefined. */
export function parseMktempCommand(command: string): string | undefined {
  return MKTEMP.exec(command)?.[1];
}

/** Removes every temp dir of one run by its name prefix (used when the dir's path is unknown). */
export function buildCleanupByRunIdCommand(runId: string): string {
  return `rm -rf -- ${TEMP_PARENT}/se-attest.${runId}.*`;
}
/** Exits 0 when the Ultravisor device node exists. */
const UV_DEVICE_PATH = '/dev/uv';
export const UV_DEVICE_CHECK_COMMAND = `test -e ${UV_DEVICE_PATH}`;
export const DEFAULT_PVATTEST_COMMAND = 'pvattest';
export const REQUEST_FILE = 'request.bin';
export const RESPONSE_FILE = 'response.bin';
export const USER_DATA_FILE = 'user-data.bin';

/** True when `path` is a temp dir of run `runId` that is safe to quote and remove. */
export function isRunTempDir(path: string, runId: string): boolean {
  return (
    /^\/[A-Za-z0-9._/-]*$/.test(path) &&
    path.includes(`/se-attest.${runId}.`) &&
    !path.includes('/../') &&
    /\.[A-Za-z0-9]{6,}$/.test(path)
  );
}

/** Quotes one argument for POSIX sh with single quotes. */
export function quoteShellArg(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Builds the perform command: `umask 077 && [sudo -n ]CMD perform -i REQ -o RESP [-u USERDATA]`. */
export function buildPerformCommand(params: {
  remoteCommand: string;
  sudo: boolean;
  dir: string;
  userData: boolean;
}): string {
  const p = (f: string) => quoteShellArg(`${params.dir}/${f}`);
  const args = ['perform', '-i', p(REQUEST_FILE), '-o', p(RESPONSE_FILE)];
  if (params.userData) args.push('-u', p(USER_DATA_FILE));
  return `umask 077 && ${params.sudo ? 'sudo -n ' : ''}${params.remoteCommand} ${args.join(' ')}`;
}

/** Builds the cleanup command for a temp dir. */
export function buildCleanupCommand(dir: string): string {
  return `rm -rf -- ${quoteShellArg(dir)}`;
}

const HOST_KEY_DIGEST =
  /^umask 077 && ssh-keygen -l -E sha256 -f '((?:[^']|'\\'')+)' \| awk '\{print \$2\}' \| sed -e 's\/\^SHA256:\/\/' -e 's\/\$\/=\/' \| base64 -d > '((?:[^']|'\\'')+)'$/;

/**
 * Writes the 32-byte SHA-256 of an SSH public host-key file's key blob (its `SHA256:` fingerprint, decoded) to
 * `output`: the guest's own view of the key it presents, used as attestation user data (channel binding).
 */
export function buildHostKeyDigestCommand(keyFile: string, output: string): string {
  return `umask 077 && ssh-keygen -l -E sha256 -f ${quoteShellArg(keyFile)} | awk '{print $2}' | sed -e 's/^SHA256://' -e 's/$/=/' | base64 -d > ${quoteShellArg(output)}`;
}

/** The key file and output of a command built by `buildHostKeyDigestCommand`, or undefined. */
export function parseHostKeyDigestCommand(command: string): { keyFile: string; output: string } | undefined {
  const m = HOST_KEY_DIGEST.exec(command);
  const unquote = (s: string) => s.replace(/'\\''/g, "'");
  return m ? { keyFile: unquote(m[1]!), output: unquote(m[2]!) } : undefined;
}

/** The usual OpenSSH host public key of a key type (`ssh-ed25519` → `/etc/ssh/ssh_host_ed25519_key.pub`). */
export function defaultHostKeyFile(keyType: string): string {
  const name = keyType === 'ssh-rsa' ? 'rsa' : keyType.startsWith('ecdsa-') ? 'ecdsa' : keyType.replace(/^ssh-/, '');
  return `/etc/ssh/ssh_host_${name}_key.pub`;
}
