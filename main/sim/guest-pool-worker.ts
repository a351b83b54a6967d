/**
 * Worker-thread entry that runs a pool of simulated guests off the caller's thread (so the guests' Ultravisor
 * and SSH-server CPU does not compete with the workstation side, as with real guests). Started by
 * `startSimulatedGuestPool`; talks over the worker message port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulatedGuest, type SimulatedGuest, type SimulatedGuestParams } from './simulated-guest.js';

/** Serializable pool description (no functions). */
export interface GuestPoolWorkerData {
  readonly guests: readonly Omit<SimulatedGuestParams, 'perform'>[];
}

/** What the worker reports per guest once listening. */
export interface GuestPoolEntry {
  readonly address: string;
  readonly port: number;
  readonly fingerprint: string;
}

const data = workerData as GuestPoolWorkerData;
const port = parentPort!;
const guests: SimulatedGuest[] = [];
for (const params of data.guests) guests.push(await startSimulatedGuest(params));
port.postMessage({
  type: 'ready',
  guests: guests.map((g): GuestPoolEntry => ({ address: g.address, port: g.port, fingerprint: g.fingerprint })),
});
port.on('message', (message: { type: string }) => {
  if (message.type === 'list-files') port.postMessage({ type: 'files', files: guests.map((g) => g.listFiles()) });
  if (message.type === 'close') {
    void Promise.all(guests.map((g) => g.close())).then(() => {
      port.postMessage({ type: 'closed' });
      port.close();
    });
  }
});
