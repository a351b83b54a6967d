/**
 * The port the attest-guest service talks to: one call that runs `pvattest perform` on a guest and returns the
 * response exchange bytes. The ssh2 implementation lives in ssh-transport.ts; tests may pass any implementation.
 */
import type { ErrorCode } from '../../shared/errors/index.js';
import type { HostKeyInfo } from './host-key.js';

/** Steps of a remote perform, in order; `cleanup` runs in every outcome once the temp dir exists. */
export type GuestStep = 'connect' | 'prepare' | 'upload' | 'perform' | 'download' | 'cleanup';

/** A progress event for one step (no secrets: sizes, timings, fingerprints and codes only). */
export interface GuestStepEvent {
  readonly step: GuestStep;
  readonly status: 'start' | 'done' | 'failed';
  /** Milliseconds since the step started (done/failed only). */
  readonly elapsedMs?: number;
  /** Bytes moved (upload/download). */
  readonly bytes?: number;
  /** The presented host key (connect/done). */
  readonly hostKey?: HostKeyInfo;
  /** Error code when failed. */
  readonly code?: ErrorCode;
}

/** Inputs of one remote perform. */
export interface PerformOnGuestParams {
  /** Request exchange file bytes (holds no secret: the ARPK stays on this machine). */
  readonly request: Uint8Array;
  /** Optional user data (at most 256 bytes) passed with `-u`. */
  readonly userData?: Uint8Array;
  /**
   * User data computed inside the guest instead: the SHA-256 of the SSH public host-key file at this path (the
   * key blob, i.e. the key's SHA256 fingerprint), read on the guest over the same connection.
   */
  readonly userDataFromHostKeyFile?: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (event: GuestStepEvent) => void;
}

/** What a remote perform produced. */
export interface PerformOnGuestResult {
  /** Response exchange file bytes as downloaded (size-capped, unverified). */
  readonly response: Uint8Array;
  readonly hostKey: HostKeyInfo;
  /** Exit code of the perform command (0). */
  readonly exitCode: number;
  /** Guest stderr of the perform command (warnings), capped. */
  readonly stderr: string;
}

/** Runs attestation requests on one guest. */
export interface GuestTransport {
  /** `user@host[:port]` of the guest, for messages and results. */
  readonly target: string;
  /** Uploads the request, runs perform, downloads the response, and removes the guest temp dir in every outcome. */
  performOnGuest(params: PerformOnGuestParams): Promise<PerformOnGuestResult>;
}

/** A command run in a fresh private temp dir on the guest. */
export interface GuestCommandParams {
  /** The shell command, given the temp dir's path (quote it with `quoteShellArg`). */
  readonly command: (dir: string) => string;
  /** Files uploaded into the temp dir first (mode 0600, created new). */
  readonly files?: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  /** Bytes written from memory to the command's standard input (never through a file). */
  readonly stdin?: Uint8Array;
  readonly signal?: AbortSignal;
}

/** What the command did (stdout and stderr capped; stderr without control characters). */
export interface GuestCommandResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One open connection to a guest, for a sequence of operations that must happen over the channel whose host
 * key was checked once (attest, upload, run, attest again).
 */
export interface GuestSession extends GuestTransport {
  /** The host key the guest presented on this connection. */
  readonly hostKey: HostKeyInfo;
  runCommand(params: GuestCommandParams): Promise<GuestCommandResult>;
  close(): Promise<void>;
}
