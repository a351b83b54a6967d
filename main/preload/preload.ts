/**
 * The sandboxed preload: exposes `window.attest` (one method per channel + `on`) through contextBridge.
 * Bundled to CommonJS by scripts/build-renderer.mjs (dist-preload/preload.cjs).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL } from '../../shared/contract.js';
import { buildBridgeApi } from './build-api.js';

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, buildBridgeApi(ipcRenderer));
