/**
 * Electron glue of the contract: one `ipcMain.handle` per channel, each checking its sender (the app's own
 * window, its main frame, a page loaded from the app's own location) before dispatching.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type Result } from '../../shared/contract.js';
import type { Dispatcher } from './dispatcher.js';

/** The minimum of an invoke event the sender check looks at. */
export interface SenderFacts {
  sender: { id: number; mainFrame?: unknown };
  senderFrame: { url: string } | null;
}

/** Which sender is allowed: the window's webContents id and the URL prefix of the app's pages. */
export interface TrustedSender {
  webContentsId: number;
  urlPrefix: string;
}

/** True when the event comes from the app window's main frame showing an app page. */
export function isTrustedSender(event: SenderFacts, trusted: TrustedSender): boolean {
  if (event.sender.id !== trusted.webContentsId) return false;
  const frame = event.senderFrame;
  if (!frame) return false;
  if (event.sender.mainFrame !== undefined && frame !== event.sender.mainFrame) return false;
  return frame.url.startsWith(trusted.urlPrefix);
}

/** Registers one handler per channel on `ipcMain`; returns a function removing them. */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  dispatcher: Dispatcher,
  trusted: () => TrustedSender | undefined,
): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown): Promise<Result<unknown>> => {
      const allowed = trusted();
      if (!allowed || !isTrustedSender(event as unknown as SenderFacts, allowed)) {
        return { ok: false, error: { code: 'ERR_APP_FORBIDDEN', message: 'sender not allowed' } };
      }
      return dispatcher.dispatch(channel, payload);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
