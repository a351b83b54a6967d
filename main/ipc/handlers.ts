/**
 * One handler per contract channel. A handler receives an already validated request and the dispatcher's
 * context, and calls the WorkstationPort; it never sees the transport (Electron IPC or web bridge).
 */
import type { Channel, EventMap, EventName, RequestOf, ResponseOf } from '../../shared/contract.js';
import { AttestError } from '../../shared/errors/index.js';
import type { AppInfo } from '../../shared/types/ui.js';
import type { AttestControl, FleetControl, HostKeyOffer, TaskControl, WorkstationPort } from './port.js';

/** What the handlers share: the port, the event sink, the run registry and app facts. */
export interface HandlerContext {
  readonly port: WorkstationPort;
  readonly info: AppInfo;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
  /** Registers a run; throws ERR_APP_RUN_BUSY when the id is in use. */
  beginRun(runId: string): AbortController;
  /** Forgets a finished run. */
  endRun(runId: string): void;
  /** Aborts a run; false if unknown. */
  cancelRun(runId: string): boolean;
  /** Emits a host-key prompt and waits for the user's decision (false on cancel). */
  askHostKey(runId: string, signal: AbortSignal, offer: HostKeyOffer): Promise<boolean>;
  /** Resolves a pending prompt; false when it is not pending. */
  decideHostKey(promptId: string, trust: boolean): boolean;
  /** Shows a file in the desktop's file manager (Electron only; undefined in web mode). */
  readonly showItemInFolder?: (path: string) => void;
  /** Paths of the bundles exported in this session (the only ones `evidence:reveal` may show). */
  readonly exportedPaths: Set<string>;
}

/** A channel's handler. */
export type Handler<C extends Channel> = (req: RequestOf<C>, ctx: HandlerContext) => Promise<ResponseOf<C>>;

function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function makeTaskControl(
  ctx: HandlerContext,
  runId: string,
  signal: AbortSignal,
  kind: 'trust-import' | 'evidence-export',
): TaskControl {
  return {
    runId,
    signal,
    reportProgress: (done, total, message) =>
      ctx.emit('task:progress', { runId, kind, done, total, ...(message !== undefined ? { message } : {}) }),
  };
}

function makeAttestControl(ctx: HandlerContext, runId: string, signal: AbortSignal): AttestControl {
  return {
    runId,
    signal,
    reportProgress: () => undefined,
    reportStep: (u) => ctx.emit('attest:progress', { runId, ...u, at: new Date().toISOString() }),
    confirmHostKey: (offer) => ctx.askHostKey(runId, signal, offer),
  };
}

async function withRun<T>(ctx: HandlerContext, runId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = ctx.beginRun(runId);
  try {
    return await work(controller.signal);
  } finally {
    ctx.endRun(runId);
  }
}

/** The handler of every channel. */
export const HANDLERS: { [C in Channel]: Handler<C> } = {
  'app:info': async (_req, ctx) => ctx.info,
  'guests:list': (req, ctx) => ctx.port.listGuests(req),
  'guests:get': (req, ctx) => ctx.port.getGuest(req.id),
  'guests:add': (req, ctx) => ctx.port.addGuest(req),
  'guests:edit': (req, ctx) => ctx.port.editGuest(req.id, req.patch),
  'guests:remove': async (req, ctx) => {
    await ctx.port.removeGuest(req.id);
    return { removed: true };
  },
  'trust:import': (req, ctx) =>
    withRun(ctx, req.runId, (signal) =>
      ctx.port.importTrust(
        req.files.map((f) => ({ name: f.name, bytes: decodeBase64(f.contentBase64) })),
        makeTaskControl(ctx, req.runId, signal, 'trust-import'),
      ),
    ),
  'trust:list': (_req, ctx) => ctx.port.listTrust(),
  'trust:remove': async (req, ctx) => {
    await ctx.port.removeTrust(req.id);
    return { removed: true };
  },
  'attest:run': (req, ctx) =>
    withRun(ctx, req.runId, (signal) =>
      ctx.port.runAttestation(req.guestId, makeAttestControl(ctx, req.runId, signal)),
    ),
  'fleet:attest': (req, ctx) =>
    withRun(ctx, req.runId, (signal) => {
      const control: FleetControl = {
        ...makeAttestControl(ctx, req.runId, signal),
        reportGuestDone: (result, done, total) => ctx.emit('fleet:progress', { runId: req.runId, done, total, result }),
      };
      return ctx.port.attestFleet([...new Set(req.guestIds)], control);
    }),
  'release:list': (req, ctx) => ctx.port.listReleases(req.guestId),
  'release:configure': (req, ctx) => ctx.port.configureRelease(req.guestId, req.release),
  'release:run': (req, ctx) =>
    withRun(ctx, req.runId, (signal) =>
      ctx.port.runRelease(
        req.guestId,
        req.release,
        {
          runId: req.runId,
          signal,
          reportRelease: (e) => ctx.emit('release:progress', { runId: req.runId, ...e, at: new Date().toISOString() }),
        },
        req.force === true,
      ),
    ),
  'task:cancel': async (req, ctx) => ({ cancelled: ctx.cancelRun(req.runId) }),
  'history:list': (req, ctx) => ctx.port.listHistory(req),
  'attestation:get': (req, ctx) => ctx.port.getAttestation(req.id),
  'evidence:export': (req, ctx) =>
    withRun(ctx, req.runId, async (signal) => {
      if (Date.parse(req.from) > Date.parse(req.to)) {
        throw new AttestError('ERR_APP_BAD_REQUEST', 'period: from is after to');
      }
      const { runId, ...request } = req;
      const result = await ctx.port.exportEvidence(request, makeTaskControl(ctx, runId, signal, 'evidence-export'));
      ctx.exportedPaths.add(result.path);
      return result;
    }),
  'evidence:defaults': (req, ctx) => ctx.port.evidenceDefaults(req),
  'attestation:export': (req, ctx) => ctx.port.exportAttestationReport(req),
  'hostkey:decide': async (req, ctx) => {
    if (!ctx.decideHostKey(req.promptId, req.trust)) {
      throw new AttestError('ERR_APP_NOT_FOUND', 'no pending host-key prompt with that id');
    }
    return { accepted: true };
  },
  'guests:timeline': (req, ctx) => ctx.port.guestTimeline(req),
  'trust:dependents': (req, ctx) => ctx.port.trustDependents(req.id),
  'trust:restore': (req, ctx) => ctx.port.restoreTrust(req.id),
  'evidence:reveal': async (req, ctx) => {
    if (!ctx.showItemInFolder)
      throw new AttestError('ERR_APP_NOT_IMPLEMENTED', 'showing a folder needs the desktop app');
    if (!ctx.exportedPaths.has(req.path))
      throw new AttestError('ERR_APP_NOT_FOUND', 'not a bundle exported in this session');
    ctx.showItemInFolder(req.path);
    return { revealed: true };
  },
};
