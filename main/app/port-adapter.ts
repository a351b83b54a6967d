/**
 * The real WorkstationPort: adapts the main-process services (store, trust, attest-guest, fleet, history,
 * evidence) to the UI contract. To be filled in by the lead once the service APIs are final; until then every
 * operation reports ERR_APP_NOT_IMPLEMENTED so the shell starts and shows coded errors instead of crashing.
 */
import { AttestError } from '../../shared/errors/index.js';
import type { WorkstationPort } from '../ipc/port.js';

/** Inputs of the real port. */
export interface CreateWorkstationPortParams {
  /** SQLite database path (`--db`); undefined = the default per-user location. */
  dbPath?: string;
  /** Seed demo guests and simulated secure guests (`--demo`). */
  demo?: boolean;
}

/** The port plus its cleanup (closing the database, stopping simulated guests). */
export interface WorkstationPortHandle {
  port: WorkstationPort;
  close(): Promise<void>;
}

function notWired(operation: string): never {
  throw new AttestError('ERR_APP_NOT_IMPLEMENTED', `${operation} is not wired to its service yet`);
}

/** Builds the port over the real services. */
export async function createWorkstationPort(_params: CreateWorkstationPortParams): Promise<WorkstationPortHandle> {
  const port: WorkstationPort = {
    listGuests: async () => notWired('listGuests'),
    getGuest: async () => notWired('getGuest'),
    addGuest: async () => notWired('addGuest'),
    editGuest: async () => notWired('editGuest'),
    removeGuest: async () => notWired('removeGuest'),
    importTrust: async () => notWired('importTrust'),
    listTrust: async () => notWired('listTrust'),
    removeTrust: async () => notWired('removeTrust'),
    runAttestation: async () => notWired('runAttestation'),
    attestFleet: async () => notWired('attestFleet'),
    listHistory: async () => notWired('listHistory'),
    getAttestation: async () => notWired('getAttestation'),
    exportEvidence: async () => notWired('exportEvidence'),
  };
  return { port, close: async () => undefined };
}
