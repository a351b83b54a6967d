/**
 * Transport-neutral dispatch of contract calls: checks the channel, validates the payload, runs the handler
 * and turns any failure into an error value. Electron IPC and the web bridge both sit on top of this.
 */
import { randomUUID } from 'node:crypto';
import { isChannel, type Channel, type EventMap, type EventName, type Result } from '../../shared/contract.js';
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import type { AppErrorPayload, AppInfo } from '../../shared/types/ui.js';
import { HANDLERS, type Handler, type HandlerContext } from './handlers.js';
import type { WorkstationPort } from './port.js';
import { parseRequest } from './schemas.js';

/** Receives main→renderer events. */
export type EventSink = <E extends EventName>(event: E, payload: EventMap[E]) => void;

/** Inputs of a dispatcher. */
export interface CreateDispatcherParams {
  port: WorkstationPort;
  info: AppInfo;
  /** Where events go (the window's webContents, or the web bridge's SSE clients). */
  emit: EventSink;
  /** Called with unexpected (non-coded) errors, for the log; defaults to console.error. */
  logError?: (channel: string, error: unknown) => void;
  /** An unanswered host-key prompt counts as "not trusted" after this long (default 10 minutes). */
  promptTimeoutMs?: number;
  /** Shows a file in the file manager (Electron's shell.showItemInFolder); absent in web mode. */
  showItemInFolder?: (path: string) => void;
}

/** Default lifetime of an unanswered host-key prompt. */
export const DEFAULT_PROMPT_TIMEOUT_MS = 10 * 60_000;

/** Runs contract calls. */
export interface Dispatcher {
  /** Dispatches one call; never throws. */
  dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  /** Aborts every run and refuses pending prompts (window closed, server stopping). */
  cancelAll(): void;
  /** Ids of runs in progress. */
  activeRuns(): string[];
}

/** Maps anything thrown to an error value; unexpected errors get a generic message (the log has the rest). */
export function toErrorPayload(error: unknown): AppErrorPayload {
  if (isAttestError(error)) {
    return { code: error.code, message: error.message, ...(error.details ? { details: { ...error.details } } : {}) };
  }
  return { code: 'ERR_APP_INTERNAL', message: 'internal error' };
}

/** Builds a dispatcher over a port. */
export function createDispatcher(params: CreateDispatcherParams): Dispatcher {
  const runs = new Map<string, AbortController>();
  const prompts = new Map<string, { runId: string; resolve: (trust: boolean) => void }>();
  const logError = params.logError ?? ((channel, error) => console.error(`[ipc] ${channel} failed:`, error));

  const ctx: HandlerContext = {
    port: params.port,
    info: params.info,
    emit: params.emit,
    exportedPaths: new Set<string>(),
    ...(params.showItemInFolder ? { showItemInFolder: params.showItemInFolder } : {}),
    beginRun(runId) {
      if (runs.has(runId)) throw new AttestError('ERR_APP_RUN_BUSY', 'a run with this id is in progress');
      const controller = new AbortController();
      runs.set(runId, controller);
      return controller;
    },
    endRun(runId) {
      runs.delete(runId);
    },
    cancelRun(runId) {
      const controller = runs.get(runId);
      if (!controller) return false;
      controller.abort(new AttestError('ERR_APP_CANCELLED', 'cancelled by the user'));
      for (const [id, p] of prompts) {
        if (p.runId === runId) {
          prompts.delete(id);
          p.resolve(false);
        }
      }
      return true;
    },
    askHostKey(runId, signal, offer) {
      if (signal.aborted) return Promise.resolve(false);
      const promptId = randomUUID();
      return new Promise<boolean>((resolve) => {
        // Nobody answering (window closed, browser tab gone) must not hold the run forever.
        const timer = setTimeout(() => {
          prompts.delete(promptId);
          settle(false);
        }, params.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS);
        const settle = (trust: boolean): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(trust);
        };
        const onAbort = (): void => {
          prompts.delete(promptId);
          settle(false);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        prompts.set(promptId, { runId, resolve: settle });
        params.emit('hostkey:prompt', { promptId, runId, ...offer });
      });
    },
    decideHostKey(promptId, trust) {
      const pending = prompts.get(promptId);
      if (!pending) return false;
      prompts.delete(promptId);
      pending.resolve(trust);
      return true;
    },
  };

  return {
    async dispatch(channel, payload) {
      if (!isChannel(channel)) {
        return { ok: false, error: { code: 'ERR_APP_UNKNOWN_CHANNEL', message: 'unknown channel' } };
      }
      const parsed = parseRequest(channel, payload);
      if (!parsed.ok) {
        return {
          ok: false,
          error: { code: 'ERR_APP_BAD_REQUEST', message: 'invalid request', details: { issues: parsed.issues } },
        };
      }
      try {
        const handler = HANDLERS[channel] as Handler<Channel>;
        const value = await handler(parsed.value as never, ctx);
        return { ok: true, value };
      } catch (error) {
        if (!isAttestError(error)) logError(channel, error);
        return { ok: false, error: toErrorPayload(error) };
      }
    },
    cancelAll() {
      for (const id of [...runs.keys()]) ctx.cancelRun(id);
      for (const [id, p] of prompts) {
        prompts.delete(id);
        p.resolve(false);
      }
    },
    activeRuns() {
      return [...runs.keys()];
    },
  };
}
