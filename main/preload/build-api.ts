/**
 * Builds the object the preload exposes as `window.attest`: one method per contract channel (invoking that
 * channel and nothing else) and `on(event, listener)` for the contract's events only. Pure: the Electron
 * functions are passed in, so tests can check it without Electron.
 */
import { CHANNELS, isEventName, toMethodName, type BridgeApi, type EventName } from '../../shared/contract.js';

/** Electron's ipcRenderer as the builder needs it. */
export interface PreloadIpc {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
}

/** The bridge API over an ipcRenderer. */
export function buildBridgeApi(ipc: PreloadIpc): BridgeApi {
  const api: Record<string, unknown> = {};
  for (const channel of CHANNELS) {
    api[toMethodName(channel)] = (req: unknown) => ipc.invoke(channel, req);
  }
  api['on'] = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!isEventName(event) || typeof listener !== 'function') throw new TypeError('unknown event');
    // Never hand the IpcRendererEvent (with its sender) to the page: only the payload.
    const wrapped = (_event: unknown, payload: unknown): void => listener(payload);
    ipc.on(event, wrapped);
    return () => ipc.removeListener(event, wrapped);
  };
  return Object.freeze(api) as BridgeApi;
}
