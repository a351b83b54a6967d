/**
 * Web mode: the same UI served on 127.0.0.1 by the loopback bridge, for machines without an Electron runtime.
 * Prints `SE Attestation Workstation: http://127.0.0.1:PORT/?token=...` and runs until SIGINT/SIGTERM. It
 * registers itself in the per-user instance folder (main/web/instance.ts) so that `se-attest open` can print a
 * fresh one-time URL; started again on a database an instance already serves, it prints such a URL for that
 * instance instead of starting a second one.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instanceDir, listInstances, registerInstance, requestSignInUrl } from '../web/instance.js';
import { startWebBridge, type WebBridge } from '../web/server.js';
import { parseStartOptions, type StartOptions } from './options.js';
import { createWorkstationPort, workstationDbPath } from './port-adapter.js';

/** Inputs of web mode. */
export interface RunWebModeParams extends StartOptions {
  staticDir: string;
  version?: string;
  /** Where the start line goes (default stdout). */
  print?: (line: string) => void;
  /** Folder of the instance files (default `instanceDir(process.env)`). */
  instanceDir?: string;
}

/** A started web mode, or the instance that already serves the database. */
export type WebModeHandle =
  | { alreadyRunning: false; bridge: WebBridge; stop(): Promise<void> }
  | { alreadyRunning: true; url: string; stop(): Promise<void> };

/** Starts web mode (or hands out a fresh URL of the instance already running on the same database). */
export async function runWebMode(params: RunWebModeParams): Promise<WebModeHandle> {
  const print = params.print ?? ((l: string) => console.log(l));
  const dir = params.instanceDir ?? instanceDir(process.env);
  const dbPath = workstationDbPath(params);
  const running = listInstances(dir).find((i) => i.dbPath === dbPath);
  if (running) {
    const url = await requestSignInUrl(running);
    print(`SE Attestation Workstation is already running for ${dbPath} (pid ${running.pid}): ${url}`);
    return { alreadyRunning: true, url, stop: async () => undefined };
  }
  const handle = await createWorkstationPort({
    ...(params.dbPath ? { dbPath: params.dbPath } : {}),
    demo: params.demo,
    ...(params.demoDir ? { demoDir: params.demoDir } : {}),
    log: (line) => console.error(line),
  });
  const bridge = await startWebBridge({
    port: handle.port,
    staticDir: params.staticDir,
    info: { name: 'SE Attestation Workstation', version: params.version ?? '0.0.0' },
    ...(params.listenPort !== undefined ? { listenPort: params.listenPort } : {}),
    logError: (channel, error) => console.error(`[web] ${channel} failed:`, error),
  });
  const unregister = registerInstance(dir, {
    pid: process.pid,
    origin: bridge.origin,
    dbPath: handle.dbPath,
    startedAt: new Date().toISOString(),
    control: bridge.controlSecret,
  });
  print(`SE Attestation Workstation: ${bridge.url}`);
  return {
    alreadyRunning: false,
    bridge,
    async stop() {
      unregister();
      await bridge.close();
      await handle.close();
    },
  };
}

/** Entry point used by scripts/start.mjs. */
export async function mainWeb(argv: readonly string[], staticDir: string, version?: string): Promise<void> {
  const options = parseStartOptions(argv);
  const started = await runWebMode({ ...options, staticDir, ...(version ? { version } : {}) });
  if (started.alreadyRunning) return;
  const { stop } = started;
  const shutdown = (): void => {
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  // This file is main/app/web-main.ts (tsx) or dist/main/app/web-main.js (built).
  const root = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    ...(import.meta.url.includes('/dist/') ? ['..'] : []),
  );
  mainWeb(process.argv.slice(2), join(root, 'dist-renderer')).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
