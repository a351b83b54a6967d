/**
 * A pool of simulated guests running in a worker thread: the guests' CPU (software Ultravisor, SSH server) runs
 * beside the caller's event loop instead of on it. Used by the fleet benchmark and demos with many guests.
 */
import { Worker } from 'node:worker_threads';
import type { GuestPoolEntry, GuestPoolWorkerData } from './guest-pool-worker.js';
import type { SimulatedGuestParams } from './simulated-guest.js';

/** A running pool. */
export interface SimulatedGuestPool {
  readonly guests: readonly GuestPoolEntry[];
  /** Files left on each guest (empty arrays when clean). */
  listFiles(): Promise<string[][]>;
  close(): Promise<void>;
}

/** Starts the guests in one worker thread and resolves when all listen. */
export async function startSimulatedGuestPool(
  guests: readonly Omit<SimulatedGuestParams, 'perform'>[],
): Promise<SimulatedGuestPool> {
  const here = new URL(import.meta.url);
  const fromSource = here.pathname.endsWith('.ts');
  const entry = new URL(`./guest-pool-worker${fromSource ? '.ts' : '.js'}`, here);
  const workerData: GuestPoolWorkerData = { guests };
  // Running from TypeScript sources (tests, bench): load tsx in the worker first.
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}));`, {
        eval: true,
        workerData,
      })
    : new Worker(entry, { workerData });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = await next('ready');
  return {
    guests: ready.guests as GuestPoolEntry[],
    listFiles: async () => {
      const reply = next('files');
      worker.postMessage({ type: 'list-files' });
      return (await reply).files as string[][];
    },
    close: async () => {
      const reply = next('closed');
      worker.postMessage({ type: 'close' });
      await reply;
      await worker.terminate();
    },
  };
}
