/** Picks the client for where the renderer runs: Electron preload bridge if present, else the web bridge. */
import type { WorkstationClient } from './client.js';
import { createElectronClient, findElectronBridge } from './electron-client.js';
import { createWebClient } from './web-client.js';

export type { WorkstationClient } from './client.js';

/** The client for this window. */
export function createDefaultClient(): WorkstationClient {
  const bridge = findElectronBridge();
  return bridge ? createElectronClient(bridge) : createWebClient();
}
