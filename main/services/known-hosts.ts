/**
 * The OpenSSH known_hosts entries an unpinned guest (or jump host) is trusted by: the file the user names, else
 * `~/.ssh/known_hosts` when it is readable (as `ssh` does), read with a size bound and parsed by the transport's
 * reader (hashed and `[host]:port` entries included).
 */
import { readFileBounded } from '../fs/index.js';
import { join } from 'node:path';
import { parseKnownHosts, type KnownHostEntry } from '../transport/host-key.js';

/** The largest known_hosts file read (a few thousand hosts take a few hundred KiB). */
export const MAX_KNOWN_HOSTS_SIZE = 4 * 1024 * 1024;

/**
 * The entries of `path` (resolved against `where.cwd`; errors: ERR_FS_*), else of `~/.ssh/known_hosts` when it is
 * readable (otherwise none: nothing is known).
 */
export function loadKnownHosts(
  where: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>> },
  path: string | undefined,
): KnownHostEntry[] {
  const read = (p: string) =>
    parseKnownHosts(Buffer.from(readFileBounded(p, MAX_KNOWN_HOSTS_SIZE, { cwd: where.cwd })).toString('utf8'));
  if (path !== undefined) return read(path);
  const home = where.env.HOME;
  if (home === undefined) return [];
  try {
    return read(join(home, '.ssh', 'known_hosts'));
  } catch {
    return []; // no (readable) default file: nothing is known
  }
}
