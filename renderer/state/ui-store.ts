/** Navigation, theme and notices. */
import { createStore, type StoreApi } from 'zustand/vanilla';

/** The screen shown. */
export type View =
  | { name: 'guests' }
  | { name: 'guest'; guestId: string }
  | { name: 'attestation'; attestationId: string; guestId?: string }
  | { name: 'attest' }
  | { name: 'trust' }
  | { name: 'evidence' };

/** Colour theme preference. */
export type ThemePreference = 'system' | 'light' | 'dark';

/** A short message in the notice area. */
export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

/** UI state. */
export interface UiState {
  view: View;
  theme: ThemePreference;
  notices: Notice[];
  navigate(view: View): void;
  setTheme(theme: ThemePreference): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

/** Info notices disappear after this long; error notices stay until dismissed. */
export const INFO_NOTICE_MS = 6000;

/** Creates the UI store. */
export function createUiStore(
  initial: Partial<Pick<UiState, 'view' | 'theme'>> = {},
  timers: { setTimeout: (fn: () => void, ms: number) => unknown } = {
    setTimeout: (fn, ms) => (globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void }).unref?.(),
  },
): StoreApi<UiState> {
  let nextNotice = 1;
  return createStore<UiState>()((set, get) => ({
    view: initial.view ?? { name: 'guests' },
    theme: initial.theme ?? 'system',
    notices: [],
    navigate: (view) => set({ view }),
    setTheme: (theme) => set({ theme }),
    notify: (kind, text) => {
      const id = nextNotice++;
      set((s) => ({ notices: [...s.notices.slice(-4), { id, kind, text }] }));
      if (kind === 'info') timers.setTimeout(() => get().dismiss(id), INFO_NOTICE_MS);
    },
    dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  }));
}
