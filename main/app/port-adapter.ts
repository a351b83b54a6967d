/**
 * The real WorkstationPort: opens the store (`--db`, else `$SE_ATTEST_DB`, else the per-user default the CLI
 * uses) and adapts the main-process services to the UI contract (main/app/port/store-port.ts). With `--demo`
 * it opens the demo workspace instead (created on first use), starts its three simulated secure guests on
 * loopback SSH and, when the workspace has no history yet, attests each once so every screen has real data.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  DEFAULT_DEMO_DIR,
  createDemoWorkspace,
  demoPaths,
  isDemoWorkspace,
  startDemoGuests,
  type DemoGuests,
} from '../demo/workspace.js';
import { systemContext, type EngineContext } from '../engine/crypto/context.js';
import type { WorkstationPort } from '../ipc/port.js';
import { attestStoredGuest, type TransportFactory } from '../services/attest-stored-guest.js';
import { workstationKeyDir } from '../services/evidence/store-export.js';
import { resolveDbPath } from '../services/db-path.js';
import { openStore, type Store } from '../store/index.js';
import { createStorePort } from './port/store-port.js';

/** Inputs of the real port. */
export interface CreateWorkstationPortParams {
  /** SQLite database path (`--db`); undefined = `$SE_ATTEST_DB` or the default per-user location. */
  dbPath?: string;
  /** Open the demo workspace with its simulated secure guests running (`--demo`). */
  demo?: boolean;
  /** Folder of the demo workspace (default `./se-attest-demo`). */
  demoDir?: string;
  /** Randomness and clock (default the system's). */
  ctx?: EngineContext;
  /** Replaces the SSH transport (tests). */
  transportFactory?: TransportFactory;
  /** Told what was opened (e.g. the demo folder), for the start-up log. */
  log?: (line: string) => void;
}

/** The port plus its cleanup (closing the database, stopping simulated guests). */
export interface WorkstationPortHandle {
  port: WorkstationPort;
  /** The database file in use. */
  dbPath: string;
  close(): Promise<void>;
}

/** Attests each demo guest once when the workspace has no history (keeps going past failures: they are data). */
async function seedDemoHistory(store: Store, ctx: EngineContext): Promise<void> {
  if (store.attestations.count() > 0) return;
  for (const g of store.guests.list()) {
    await attestStoredGuest({
      store,
      guest: g.id,
      ctx,
      timeouts: { connectMs: 5000, stepMs: 10_000, totalMs: 20_000 },
    });
  }
}

/** The database a start with these options opens (the demo workspace's, `--db`, `$SE_ATTEST_DB` or the default). */
export function workstationDbPath(params: Pick<CreateWorkstationPortParams, 'dbPath' | 'demo' | 'demoDir'>): string {
  if (params.demo) return demoPaths(resolve(params.demoDir ?? DEFAULT_DEMO_DIR)).db;
  return params.dbPath ? resolve(params.dbPath) : resolveDbPath({ cwd: process.cwd(), env: process.env }, undefined);
}

/** Builds the port over the real services. */
export async function createWorkstationPort(params: CreateWorkstationPortParams): Promise<WorkstationPortHandle> {
  const ctx = params.ctx ?? systemContext();
  const log = params.log ?? (() => undefined);
  const dbPath = workstationDbPath(params);
  let demoGuests: DemoGuests | undefined;
  if (params.demo) {
    const dir = resolve(params.demoDir ?? DEFAULT_DEMO_DIR);
    if (!isDemoWorkspace(dir)) {
      log(`Creating the demo workspace in ${dir}`);
      await createDemoWorkspace(dir, ctx);
    }
  } else {
    mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  }
  const store = openStore({ path: dbPath });
  try {
    if (params.demo) {
      const dir = dirname(dbPath);
      demoGuests = await startDemoGuests(dir, store);
      log(`Demo: ${demoGuests.guests.map((g) => `${g.spec.name} (${g.spec.role}) on ${g.guest.address}`).join(', ')}`);
      await seedDemoHistory(store, ctx);
    }
  } catch (error) {
    await demoGuests?.close();
    store.close();
    throw error;
  }
  const port = createStorePort({
    store,
    ctx,
    keyDir: workstationKeyDir(dbPath),
    ...(params.transportFactory ? { transportFactory: params.transportFactory } : {}),
  });
  let closed = false;
  return {
    port,
    dbPath,
    async close() {
      if (closed) return;
      closed = true;
      await demoGuests?.close();
      store.close();
    },
  };
}
