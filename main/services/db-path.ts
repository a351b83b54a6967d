/**
 * Where the workstation's database lives unless told otherwise (shared by the CLI and the app). Kept apart from
 * `workspace.ts` so that finding the path loads no SQLite (`se-attest open` only looks for a running instance).
 */
import { join, resolve } from 'node:path';
import { AttestError } from '../../shared/errors/index.js';

/**
 * The database path: `explicit` (resolved against `cwd`), else `$SE_ATTEST_DB`, else
 * `$XDG_DATA_HOME/se-attestation-workstation/workstation.db` (default `~/.local/share/...`).
 */
export function resolveDbPath(
  where: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>> },
  explicit: string | undefined,
): string {
  if (explicit) return resolve(where.cwd, explicit);
  if (where.env.SE_ATTEST_DB) return resolve(where.cwd, where.env.SE_ATTEST_DB);
  const home = where.env.HOME ?? where.env.USERPROFILE;
  if (!home) throw new AttestError('ERR_STORE_OPEN', 'no --db given and neither SE_ATTEST_DB nor HOME is set');
  const dataHome = where.env.XDG_DATA_HOME ?? join(home, '.local', 'share');
  return join(dataHome, 'se-attestation-workstation', 'workstation.db');
}
