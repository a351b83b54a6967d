/** The client over Electron's preload bridge (`window.attest`, built from the contract by the preload). */
import { BRIDGE_GLOBAL, toMethodName, type BridgeApi, type Channel, type Result } from '../../shared/contract.js';
import { disconnected, type WorkstationClient } from './client.js';

/** The bridge object if running inside the Electron shell. */
export function findElectronBridge(): BridgeApi | undefined {
  const candidate = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL];
  return typeof candidate === 'object' && candidate !== null ? (candidate as BridgeApi) : undefined;
}

/** Wraps the preload bridge as a WorkstationClient. */
export function createElectronClient(bridge: BridgeApi): WorkstationClient {
  const methods = bridge as unknown as Record<string, (req: unknown) => Promise<Result<unknown>>>;
  return {
    mode: 'electron',
    call(channel: Channel, request: unknown) {
      const method = methods[toMethodName(channel)];
      if (!method) return Promise.resolve({ ok: false, error: { code: 'ERR_APP_UNKNOWN_CHANNEL', message: channel } });
      // A main process that is gone rejects the invoke: that is a lost connection, not a failed call.
      return method(request).catch((error: unknown) => disconnected(String(error)));
    },
    on(event, listener) {
      return bridge.on(event, listener);
    },
  } as WorkstationClient;
}
