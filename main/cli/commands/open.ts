/**
 * `se-attest open [--db PATH] [--port N]`: prints a fresh one-time sign-in URL of the web-mode workstation that
 * is already running (for a browser whose link was used or expired), without restarting it. The instance is
 * found in the per-user instance folder (main/web/instance.ts) by its database, else its port, else as the only
 * one running. Flags: main/cli/flags/open.ts.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { resolveDbPath } from '../../services/db-path.js';
import { instanceDir, listInstances, requestSignInUrl } from '../../web/instance.js';
import type { CliIo } from '../io.js';

/** Runs `open`. */
export async function runOpen(io: CliIo, opts: { db?: string; port?: string }): Promise<void> {
  const running = listInstances(instanceDir(io.env));
  let chosen = running;
  if (opts.port !== undefined) chosen = running.filter((i) => new URL(i.origin).port === opts.port);
  else if (opts.db !== undefined || running.length > 1) {
    const db = resolveDbPath({ cwd: io.cwd, env: io.env }, opts.db);
    const byDb = running.filter((i) => i.dbPath === db);
    chosen = opts.db !== undefined || byDb.length > 0 ? byDb : running;
  }
  if (chosen.length === 0) {
    throw new AttestError(
      'ERR_APP_NO_INSTANCE',
      running.length === 0
        ? 'no running workstation found: start it with `npm start` (it prints a URL)'
        : `no running workstation matches (running: ${running.map((i) => `${i.origin} on ${i.dbPath}`).join('; ')})`,
    );
  }
  if (chosen.length > 1) {
    throw new AttestError(
      'ERR_APP_NO_INSTANCE',
      `several workstations are running: choose one with --db or --port (${chosen.map((i) => `${i.origin} on ${i.dbPath}`).join('; ')})`,
    );
  }
  const url = await requestSignInUrl(chosen[0]!);
  io.out(`SE Attestation Workstation: ${url}\n`);
}
