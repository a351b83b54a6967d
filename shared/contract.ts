/**
 * The one typed contract between the UI and the main process, used by Electron IPC (ipcMain.handle /
 * preload) and by the loopback web bridge alike. Channels are `domain:verb`; each takes one plain object and
 * resolves to a `Result` (errors travel as values because Electron's invoke drops error fields).
 * Bytes cross as hex/base64, dates as ISO strings, secrets never.
 */
import type {
  AppErrorPayload,
  AppInfo,
  AttestationDetail,
  AttestationSummary,
  AttestProgressEvent,
  AttestationReportExportRequest,
  AttestationReportExportResult,
  EvidenceDefaults,
  EvidenceDefaultsRequest,
  EvidenceExportRequest,
  EvidenceExportResult,
  FleetGuestResult,
  FleetProgressEvent,
  GuestDetail,
  GuestInput,
  GuestListQuery,
  GuestSummary,
  GuestTimeline,
  HistoryPage,
  HistoryQuery,
  HostKeyPrompt,
  TaskProgressEvent,
  TimelineQuery,
  TrustDependents,
  TrustImportFile,
  TrustImportResult,
  TrustItem,
} from './types/ui.js';
import type {
  GuestReleases,
  ReleaseProgressEvent,
  ReleaseRunRecord,
  SecretRelease,
  SecretReleaseInput,
} from './types/release.js';

/** The value or the error of one call. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorPayload };

/** Empty request. */
export type Empty = Record<string, never>;

/** Request and response type of every channel. */
export interface ContractMap {
  'app:info': { req: Empty; res: AppInfo };
  'guests:list': { req: GuestListQuery; res: GuestSummary[] };
  'guests:get': { req: { id: string }; res: GuestDetail };
  'guests:add': { req: GuestInput; res: GuestSummary };
  'guests:edit': { req: { id: string; patch: Partial<GuestInput> }; res: GuestSummary };
  'guests:remove': { req: { id: string }; res: { removed: true } };
  'trust:import': { req: { runId: string; files: TrustImportFile[] }; res: TrustImportResult };
  'trust:list': { req: Empty; res: TrustItem[] };
  'trust:remove': { req: { id: string }; res: { removed: true } };
  'attest:run': { req: { runId: string; guestId: string }; res: AttestationSummary };
  'fleet:attest': { req: { runId: string; guestIds: string[] }; res: FleetGuestResult[] };
  'release:list': { req: { guestId: string }; res: GuestReleases };
  'release:configure': { req: { guestId: string; release: SecretReleaseInput }; res: SecretRelease };
  'release:run': { req: { runId: string; guestId: string; release: string; force?: boolean }; res: ReleaseRunRecord };
  'task:cancel': { req: { runId: string }; res: { cancelled: boolean } };
  'history:list': { req: HistoryQuery; res: HistoryPage };
  'attestation:get': { req: { id: string }; res: AttestationDetail };
  'evidence:export': { req: EvidenceExportRequest; res: EvidenceExportResult };
  /** The Evidence screen's defaults: remembered organisation, the workstation public key, the verify command. */
  'evidence:defaults': { req: EvidenceDefaultsRequest; res: EvidenceDefaults };
  /** One attestation's report as a PDF or JSON file (the report screen's "Export report"). */
  'attestation:export': { req: AttestationReportExportRequest; res: AttestationReportExportResult };
  'hostkey:decide': { req: { promptId: string; trust: boolean }; res: { accepted: boolean } };
  'guests:timeline': { req: TimelineQuery; res: GuestTimeline };
  'trust:dependents': { req: { id: string }; res: TrustDependents };
  'trust:restore': { req: { id: string }; res: TrustItem };
  /** Electron only: shows an exported bundle in the file manager (only paths this session exported). */
  'evidence:reveal': { req: { path: string }; res: { revealed: boolean } };
}

/** Every channel name. */
export type Channel = keyof ContractMap;
/** Request type of a channel. */
export type RequestOf<C extends Channel> = ContractMap[C]['req'];
/** Response value type of a channel. */
export type ResponseOf<C extends Channel> = ContractMap[C]['res'];

/** The runtime list of channels (kept equal to ContractMap's keys by the `satisfies` check below). */
export const CHANNELS = [
  'app:info',
  'guests:list',
  'guests:get',
  'guests:add',
  'guests:edit',
  'guests:remove',
  'trust:import',
  'trust:list',
  'trust:remove',
  'attest:run',
  'fleet:attest',
  'release:list',
  'release:configure',
  'release:run',
  'task:cancel',
  'history:list',
  'attestation:get',
  'evidence:export',
  'hostkey:decide',
  'guests:timeline',
  'trust:dependents',
  'trust:restore',
  'evidence:reveal',
  'evidence:defaults',
  'attestation:export',
] as const satisfies readonly Channel[];

// Compile-time proof that CHANNELS lists every key of ContractMap.
type MissingChannels = Exclude<Channel, (typeof CHANNELS)[number]>;
const ALL_CHANNELS_LISTED: MissingChannels extends never ? true : MissingChannels = true;
void ALL_CHANNELS_LISTED;

/** Payload type of every main→renderer event. */
export interface EventMap {
  'attest:progress': AttestProgressEvent;
  'fleet:progress': FleetProgressEvent;
  'release:progress': ReleaseProgressEvent;
  'task:progress': TaskProgressEvent;
  'hostkey:prompt': HostKeyPrompt;
}

/** Every event name. */
export type EventName = keyof EventMap;

/** The runtime list of events. */
export const EVENTS = [
  'attest:progress',
  'fleet:progress',
  'release:progress',
  'task:progress',
  'hostkey:prompt',
] as const satisfies readonly EventName[];

type MissingEvents = Exclude<EventName, (typeof EVENTS)[number]>;
const ALL_EVENTS_LISTED: MissingEvents extends never ? true : MissingEvents = true;
void ALL_EVENTS_LISTED;

/** True when `name` is a contract channel. */
export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && (CHANNELS as readonly string[]).includes(name);
}

/** True when `name` is a contract event. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENTS as readonly string[]).includes(name);
}

/** The preload method name of a channel: `guests:list` → `guestsList`, `attestation:get` → `attestationGet`. */
export function toMethodName(channel: Channel): string {
  return channel
    .split(':')
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

/** The object the preload exposes as `window.attest`: one method per channel plus event subscription. */
export type BridgeApi = {
  [C in Channel as C extends `${infer D}:${infer V}` ? `${D}${Capitalize<V>}` : never]: (
    req: RequestOf<C>,
  ) => Promise<Result<ResponseOf<C>>>;
} & {
  /** Subscribes to a main→renderer event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
};

/** Name under which the preload exposes the bridge on `window`. */
export const BRIDGE_GLOBAL = 'attest';
