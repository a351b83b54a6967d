/**
 * Running web-mode instances, so that a browser whose sign-in link was used or expired can get in again
 * without restarting the workstation: each instance writes `<port>.json` (its pid, origin, database and a
 * control secret) into a per-user folder (mode 0700; the file 0600, created new, never through a symlink).
 * `se-attest open` (or `npm start` while the instance runs) reads it and asks the instance, on loopback, for a
 * fresh one-time URL. Only someone who can read the user's own 0600 file can do that — the same people who could
 * read the URL printed on the user's terminal — so the token's security properties are unchanged.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { AttestError } from '../../shared/errors/index.js';

/** Path where `se-attest open` (holding the instance's control secret) asks for a fresh sign-in URL. */
export const CONTROL_OPEN_PATH = '/api/control/open-url';
/** Header carrying the control secret. */
export const CONTROL_HEADER = 'x-sea-control';

/** What an instance file holds. */
export interface InstanceRecord {
  pid: number;
  origin: string;
  /** The database the instance serves (resolved path). */
  dbPath: string;
  startedAt: string;
  /** The control secret (never printed). */
  control: string;
}

/** Largest instance file read. */
const MAX_INSTANCE_FILE = 4096;

/**
 * The per-user folder of instance files: `$SE_ATTEST_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/se-attestation-workstation`,
 * else `~/.local/state/se-attestation-workstation/instances`.
 */
export function instanceDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env['SE_ATTEST_RUNTIME_DIR']) return env['SE_ATTEST_RUNTIME_DIR'];
  if (env['XDG_RUNTIME_DIR']) return join(env['XDG_RUNTIME_DIR'], 'se-attestation-workstation');
  const home = env['HOME'] ?? env['USERPROFILE'];
  if (!home)
    throw new AttestError('ERR_APP_NO_INSTANCE', 'neither SE_ATTEST_RUNTIME_DIR, XDG_RUNTIME_DIR nor HOME is set');
  return join(env['XDG_STATE_HOME'] ?? join(home, '.local', 'state'), 'se-attestation-workstation', 'instances');
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink())
    throw new AttestError('ERR_APP_FORBIDDEN', `${dir} is not a plain folder`, { path: dir });
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new AttestError('ERR_APP_FORBIDDEN', `${dir} belongs to another user`, { path: dir });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes this instance's file; returns the function removing it (call it on shutdown). */
export function registerInstance(dir: string, record: InstanceRecord): () => void {
  ensurePrivateDir(dir);
  const port = new URL(record.origin).port;
  const file = join(dir, `${port}.json`);
  // A file left by an instance that died on this port: remove it (rmSync never follows a symlink).
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
  return () => rmSync(file, { force: true });
}

function parseRecord(text: string): InstanceRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<InstanceRecord>;
    if (
      typeof v.pid === 'number' &&
      typeof v.origin === 'string' &&
      /^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(v.origin) &&
      typeof v.dbPath === 'string' &&
      typeof v.startedAt === 'string' &&
      typeof v.control === 'string'
    )
      return v as InstanceRecord;
  } catch {
    /* not an instance file */
  }
  return undefined;
}

/** The instances whose process still runs (files of dead ones are removed), oldest first. */
export function listInstances(dir: string): InstanceRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: InstanceRecord[] = [];
  for (const name of names) {
    if (!/^\d{1,5}\.json$/.test(name)) continue;
    const file = join(dir, name);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size > MAX_INSTANCE_FILE) continue;
    const record = parseRecord(readFileSync(file, 'utf8'));
    if (!record) continue;
    if (!isAlive(record.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    out.push(record);
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Asks a running instance for a fresh one-time sign-in URL. */
export function requestSignInUrl(record: InstanceRecord, timeoutMs = 5000): Promise<string> {
  const origin = new URL(record.origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(origin.port),
        method: 'POST',
        path: CONTROL_OPEN_PATH,
        headers: { [CONTROL_HEADER]: record.control, 'Content-Length': '0' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              ok: boolean;
              value?: { url?: unknown };
            };
            if (res.statusCode === 200 && body.ok && typeof body.value?.url === 'string') {
              resolve(body.value.url);
              return;
            }
          } catch {
            /* fall through */
          }
          reject(
            new AttestError('ERR_APP_NO_INSTANCE', `the workstation at ${record.origin} refused to open a session`),
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) =>
      reject(
        new AttestError('ERR_APP_NO_INSTANCE', `the workstation at ${record.origin} does not answer (${e.message})`),
      ),
    );
    req.end();
  });
}
