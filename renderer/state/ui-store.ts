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

/** Creates the UI store. */
export function createUiStore(initial: Partial<Pick<UiState, 'view' | 'theme'>> = {}): StoreApi<UiState> {
  let nextNotice = 1;
  return createStore<UiState>()((set) => ({
    view: initial.view ?? { name: 'guests' },
    theme: initial.theme ?? 'system',
    notices: [],
    navigate: (view) => set({ view }),
    setTheme: (theme) => set({ theme }),
    notify: (kind, text) => set((s) => ({ notices: [...s.notices.slice(-4), { id: nextNotice++, kind, text }] })),
    dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  }));
}
