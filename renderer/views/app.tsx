// @jsxRuntime automatic
/** The window: navigation, theme switch, notices and the current screen. */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import type { ThemePreference, View } from '../state/ui-store.js';
import { useStores } from '../state/stores.js';
import { AttestView } from './attest-view.js';
import { AttestationView } from './attestation-view.js';
import { EvidenceView } from './evidence-view.js';
import { GuestDetailView } from './guest-detail-view.js';
import { GuestsView } from './guests-view.js';
import { TrustView } from './trust-view.js';

/** How long an info notice stays. */
const NOTICE_MS = 6000;

const NAV: { name: 'guests' | 'attest' | 'trust' | 'evidence'; title: string }[] = [
  { name: 'guests', title: 'Guests' },
  { name: 'attest', title: 'Attest' },
  { name: 'trust', title: 'Trust' },
  { name: 'evidence', title: 'Evidence' },
];

function sectionOf(view: View): string {
  if (view.name === 'guest' || view.name === 'attestation') return 'guests';
  return view.name;
}

function Screen({ view }: { view: View }) {
  switch (view.name) {
    case 'guests':
      return <GuestsView />;
    case 'guest':
      return <GuestDetailView guestId={view.guestId} />;
    case 'attestation':
      return (
        <AttestationView attestationId={view.attestationId} {...(view.guestId ? { guestId: view.guestId } : {})} />
      );
    case 'attest':
      return <AttestView />;
    case 'trust':
      return <TrustView />;
    case 'evidence':
      return <EvidenceView />;
  }
}

/** The root component. */
export function App() {
  const stores = useStores();
  const view = useStore(stores.ui, (s) => s.view);
  const theme = useStore(stores.ui, (s) => s.theme);
  const notices = useStore(stores.ui, (s) => s.notices);
  const running = useStore(stores.attest, (s) => s.current?.status === 'running');
  useEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  useEffect(() => {
    // Info notices fade after a few seconds; errors stay until dismissed.
    const timers = notices
      .filter((n) => n.kind === 'info')
      .map((n) => setTimeout(() => stores.ui.getState().dismiss(n.id), NOTICE_MS));
    return () => timers.forEach(clearTimeout);
  }, [notices, stores]);
  const active = sectionOf(view);
  return (
    <div className="app" data-theme={theme}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">SE Attestation Workstation</div>
        <ul>
          {NAV.map((n) => (
            <li key={n.name}>
              <button
                type="button"
                aria-current={active === n.name ? 'page' : undefined}
                onClick={() => stores.ui.getState().navigate({ name: n.name })}
              >
                {n.title}
                {n.name === 'attest' && running ? <span className="pulse" aria-label="running" /> : null}
              </button>
            </li>
          ))}
        </ul>
        <label className="theme-switch">
          Theme
          <select value={theme} onChange={(e) => stores.ui.getState().setTheme(e.target.value as ThemePreference)}>
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <div className="mode hint">
          {stores.client.mode === 'web'
            ? 'Browser mode (127.0.0.1)'
            : stores.client.mode === 'electron'
              ? 'Desktop'
              : 'Test'}
        </div>
      </nav>
      <main id="main" tabIndex={-1}>
        <Screen view={view} />
      </main>
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            {n.text}
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss notice"
              onClick={() => stores.ui.getState().dismiss(n.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
