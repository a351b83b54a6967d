/** Navigation (mirrored in the location hash), theme and notices (with an optional action such as Undo). */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { View } from './router.js';

export type { View } from './router.js';

/** Colour theme preference. */
export type ThemePreference = 'system' | 'light' | 'dark';

/** A short message in the notice area. */
export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  /** A button shown with the notice (e.g. Undo); pressing it dismisses the notice. */
  action?: { label: string; run: () => void | Promise<void> };
}

/** UI state. */
export interface UiState {
  view: View;
  theme: ThemePreference;
  notices: Notice[];
  /** Shows a view and records it in the history (a new hash: Back returns here). */
  navigate(view: View): void;
  /** Shows a view the location already names (hashchange, start-up). */
  showView(view: View): void;
  setTheme(theme: ThemePreference): void;
  notify(kind: Notice['kind'], text: string, action?: Notice['action']): void;
  dismiss(id: number): void;
}

/** Info notices disappear after this long (with an action: twice as long); error notices stay until dismissed. */
export const INFO_NOTICE_MS = 6000;

/** Hooks of the UI store. */
export interface UiHooks {
  setTimeout?: (fn: () => void, ms: number) => unknown;
  /** Told about every `navigate` (the window writes the location hash). */
  onNavigate?: (view: View) => void;
}

/** Creates the UI store. */
export function createUiStore(
  initial: Partial<Pick<UiState, 'view' | 'theme'>> = {},
  hooks: UiHooks = {},
): StoreApi<UiState> {
  const setTimer =
    hooks.setTimeout ??
    ((fn: () => void, ms: number) => (globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void }).unref?.());
  let nextNotice = 1;
  return createStore<UiState>()((set, get) => ({
    view: initial.view ?? { name: 'guests' },
    theme: initial.theme ?? 'system',
    notices: [],
    navigate: (view) => {
      set({ view });
      hooks.onNavigate?.(view);
    },
    showView: (view) => set({ view }),
    setTheme: (theme) => set({ theme }),
    notify: (kind, text, action) => {
      const id = nextNotice++;
      set((s) => ({ notices: [...s.notices.slice(-4), { id, kind, text, ...(action ? { action } : {}) }] }));
      if (kind === 'info') setTimer(() => get().dismiss(id), action ? 2 * INFO_NOTICE_MS : INFO_NOTICE_MS);
    },
    dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  }));
}
