/**
 * Electron main process: one window (sandboxed, context-isolated, no Node integration, strict CSP),
 * navigation and new windows blocked, permissions denied; the contract served over ipcMain.handle with a
 * sender check on every call. Run by scripts/start.mjs when an Electron binary is installed.
 */
import { app, BrowserWindow, ipcMain, session, shell, type WebContents } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDispatcher } from '../ipc/dispatcher.js';
import { registerIpcHandlers } from '../ipc/electron-ipc.js';
import { CONTENT_SECURITY_POLICY } from '../web/security.js';
import { parseStartOptions } from './options.js';
import { createWorkstationPort } from './port-adapter.js';
import { denyAllPermissions, lockDownContents, SECURE_WEB_PREFERENCES } from './window-policy.js';

/** Repository root: this file is dist/main/app/electron-main.js (or main/app/electron-main.ts under tsx). */
const ROOT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);
const RENDERER_DIR = process.env['SEA_RENDERER_DIR'] ?? join(ROOT, 'dist-renderer');
const PRELOAD = join(ROOT, 'dist-preload', 'preload.cjs');

app.enableSandbox();

async function main(): Promise<void> {
  const options = parseStartOptions(process.argv.slice(1));
  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  app.on('web-contents-created', (_event, contents: WebContents) => lockDownContents(contents));

  const handle = await createWorkstationPort({
    ...(options.dbPath ? { dbPath: options.dbPath } : {}),
    demo: options.demo,
    ...(options.demoDir ? { demoDir: options.demoDir } : {}),
    log: (line) => console.log(line),
  });
  let win: BrowserWindow | undefined;
  const dispatcher = createDispatcher({
    port: handle.port,
    info: { name: app.getName(), version: app.getVersion(), mode: 'electron' },
    showItemInFolder: (path) => shell.showItemInFolder(path),
    emit: (event, payload) => {
      if (win && !win.isDestroyed()) win.webContents.send(event, payload);
    },
  });
  const urlPrefix = pathToFileURL(RENDERER_DIR).href + '/';
  registerIpcHandlers(ipcMain, dispatcher, () =>
    win && !win.isDestroyed() ? { webContentsId: win.webContents.id, urlPrefix } : undefined,
  );

  win = new BrowserWindow({
    width: 1280,
    height: 840,
    title: 'SE Attestation Workstation',
    show: false,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: PRELOAD, devTools: !app.isPackaged },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => {
    dispatcher.cancelAll();
    win = undefined;
  });
  await win.loadFile(join(RENDERER_DIR, 'index.html'));

  app.on('window-all-closed', () => {
    void handle.close().finally(() => app.quit());
  });
}

main().catch((error: unknown) => {
  console.error('SE Attestation Workstation failed to start:', error);
  app.exit(1);
});
