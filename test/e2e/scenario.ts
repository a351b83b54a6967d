/**
 * What the workstation e2e flow needs from a backend: a WorkstationPort, two guests (one genuine, one
 * tampered), trust files to import, and the text the tampered guest's failure must show. The flow
 * (workstation-flow.ts) takes a factory of this, so the same flow runs in web mode (Chromium) and in the
 * Electron shell; real-scenario.ts provides it over the real services with a temp database and simulated
 * guests.
 */
import type { WorkstationPort } from '../../main/ipc/port.js';

/** A guest as typed into the Add guest form. */
export interface ScenarioGuest {
  name: string;
  sshTarget: string;
  /** SE header file to choose in the form (optional). */
  seHeaderPath?: string;
  identityRef?: string;
  /** The `SHA256:` fingerprint the first-contact prompt must show (when known). */
  hostKeyFingerprint?: string;
}

/** One backend for the e2e flow. */
export interface E2eScenario {
  /** The backend served by the web bridge in web mode. */
  port: WorkstationPort;
  /**
   * The database the Electron shell should open (`--db`) to see the same backend; absent when the backend
   * has no database (a test double), in which case the Electron test runs only its shell checks.
   */
  dbPath?: string;
  goodGuest: ScenarioGuest;
  tamperedGuest: ScenarioGuest;
  /** Files to import on the Trust screen (HKDs, certificates, CRLs). */
  trustFiles: string[];
  /** A folder the Evidence screen may export into (the flow then exports and checks the bundle); optional. */
  evidenceDir?: string;
  /** Must match the failure reason shown for the tampered guest. */
  expectedFailure: RegExp;
  /** Adds `count` history rows to a guest (by name), for the virtualised-list check; optional. */
  seedHistory?: (guestName: string, count: number) => Promise<void>;
  /**
   * Stores `count` attestations (spread over a few guests) before the page opens, for the
   * "first screen interactive with 100,000 stored attestations" figure; optional.
   */
  seedStoredAttestations?: (count: number) => Promise<void>;
  /** How many history rows the backend has served so far (proves the list did not load everything); optional. */
  rowsServed?: () => number;
  close(): Promise<void>;
}

/** Creates a fresh scenario (temp database, simulated guests, ...). */
export type ScenarioFactory = () => Promise<E2eScenario>;
