/**
 * Web mode: the same UI served on 127.0.0.1 by the loopback bridge, for machines without an Electron runtime.
 * Prints `SE Attestation Workstation: http://127.0.0.1:PORT/?token=...` and runs until SIGINT/SIGTERM.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebBridge, type WebBridge } from '../web/server.js';
import { parseStartOptions, type StartOptions } from './options.js';
import { createWorkstationPort } from './port-adapter.js';

/** Inputs of web mode. */
export interface RunWebModeParams extends StartOptions {
  staticDir: string;
  version?: string;
  /** Where the start line goes (default stdout). */
  print?: (line: string) => void;
}

/** Starts web mode; returns the bridge and a stop function. */
export async function runWebMode(params: RunWebModeParams): Promise<{ bridge: WebBridge; stop(): Promise<void> }> {
  const print = params.print ?? ((l: string) => console.log(l));
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
  print(`SE Attestation Workstation: ${bridge.url}`);
  return {
    bridge,
    async stop() {
      await bridge.close();
      await handle.close();
    },
  };
}

/** Entry point used by scripts/start.mjs. */
export async function mainWeb(argv: readonly string[], staticDir: string, version?: string): Promise<void> {
  const options = parseStartOptions(argv);
  const { stop } = await runWebMode({ ...options, staticDir, ...(version ? { version } : {}) });
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
