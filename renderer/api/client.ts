/**
 * The renderer's view of the contract: call a channel, subscribe to an event. Implemented over Electron's
 * preload bridge (`window.attest`) or over the loopback web bridge; nothing else in the renderer touches either.
 */
import type { Channel, EventMap, EventName, RequestOf, ResponseOf, Result } from '../../shared/contract.js';

/** How the renderer talks to the main process. */
export interface WorkstationClient {
  readonly mode: 'electron' | 'web' | 'test';
  /** A call; a lost connection resolves to ERR_APP_DISCONNECTED (never a throw). */
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /** Told when the event channel drops ('down') or comes back ('up'), where the transport can tell. */
  onTransport?(listener: (state: 'up' | 'down') => void): () => void;
}

/** The error value of a call that could not reach the workstation. */
export function disconnected(detail: string): Result<never> {
  return { ok: false, error: { code: 'ERR_APP_DISCONNECTED', message: `workstation unreachable: ${detail}` } };
}

/** Thrown by `unwrap` for error results, carrying the coded error. */
export class CallError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'CallError';
    this.code = code;
    this.details = details;
  }
}

/** Returns the value of a result or throws a CallError. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new CallError(result.error.code, result.error.message, result.error.details);
}

/** A fresh id for a long-running task (attest, fleet, import, export). */
export function newRunId(): string {
  return `run-${crypto.randomUUID()}`;
}
