/**
 * The Electron security policy of the app window, kept free of Electron imports so tests can check it:
 * web preferences, navigation/window-open/webview lock and permission denial (Electron security checklist).
 */

/** BrowserWindow webPreferences of the one app window (preload path added by the caller). */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
});

/** The subset of WebContents the lock needs. */
export interface LockableContents {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-attach-webview' | 'will-frame-navigate',
    listener: (event: { preventDefault(): void; url?: string }) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** Blocks every navigation away from the loaded page, new windows and webviews. */
export function lockDownContents(contents: LockableContents): void {
  const block = (event: { preventDefault(): void }): void => event.preventDefault();
  contents.on('will-navigate', block);
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', block);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The subset of Session the permission lock needs. */
export interface LockableSession {
  setPermissionRequestHandler(
    handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null,
  ): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string) => boolean) | null): void;
}

/** Denies every permission request and check (camera, notifications, clipboard-read, ...). */
export function denyAllPermissions(session: LockableSession): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
