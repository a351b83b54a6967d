// @jsxRuntime automatic
/**
 * The window: a sticky sidebar (collapsed to icons below 1100 px), the connection banner, notices and the
 * current screen. Every navigation item is a link (`#/guests`, `#/trust`, ...); while the connection is lost
 * the screen's actions are disabled.
 */
import { useEffect, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { hrefOf, sectionOf, titleOf, type View } from '../state/router.js';
import type { ThemePreference } from '../state/ui-store.js';
import { useStores } from '../state/stores.js';
import { AttestView } from './attest-view.js';
import { AttestationView } from './attestation-view.js';
import { ConnectionBanner } from './connection-banner.js';
import { EvidenceView } from './evidence-view.js';
import { GuestDetailView } from './guest-detail-view.js';
import { GuestsView } from './guests-view.js';
import { TrustView } from './trust-view.js';

const ICONS: Record<'guests' | 'attest' | 'trust' | 'evidence', ReactNode> = {
  guests: <path d="M4 5h16v4H4zM4 11h16v4H4zM4 17h10v3H4z" />,
  attest: <path d="M5 12l4 4 10-10-1.5-1.5L9 13 6.5 10.5z" />,
  trust: <path d="M12 2l8 3v6c0 5-3.5 9-8 11-4.5-2-8-6-8-11V5z" />,
  evidence: <path d="M6 2h9l5 5v15H6zM14 3v5h5" />,
};

const NAV: { name: 'guests' | 'attest' | 'trust' | 'evidence'; title: string }[] = [
  { name: 'guests', title: 'Guests' },
  { name: 'attest', title: 'Attest' },
  { name: 'trust', title: 'Trust' },
  { name: 'evidence', title: 'Evidence' },
];

const NEXT_THEME: Record<ThemePreference, ThemePreference> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_TEXT: Record<ThemePreference, string> = { system: 'System', light: 'Light', dark: 'Dark' };

function Screen({ view }: { view: View }) {
  switch (view.name) {
    case 'guests':
      return <GuestsView />;
    case 'guest':
      return <GuestDetailView guestId={view.guestId} />;
    case 'attestation':
      return <AttestationView attestationId={view.attestationId} />;
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
  const lost = useStore(stores.connection, (s) => s.status === 'lost');
  const guestName = useStore(stores.guests, (s) =>
    view.name === 'guest' && s.detail?.id === view.guestId ? s.detail.name : undefined,
  );
  const reportName = useStore(stores.history, (s) =>
    view.name === 'attestation' && s.report?.id === view.attestationId ? s.report.guestName : undefined,
  );
  useEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  useEffect(() => {
    if (typeof document !== 'undefined') document.title = titleOf(view, guestName ?? reportName);
  }, [view, guestName, reportName]);
  const active = sectionOf(view);
  return (
    <div className="app" data-theme={theme}>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand" title="SE Attestation Workstation">
          <span className="brand-long">SE Attestation Workstation</span>
          <span className="brand-short" aria-hidden="true">
            SE
          </span>
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.name}>
              <a
                className="nav-link"
                href={hrefOf({ name: n.name })}
                aria-current={active === n.name ? 'page' : undefined}
                title={n.title}
              >
                <svg className="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                  {ICONS[n.name]}
                </svg>
                <span className="nav-text">{n.title}</span>
                {n.name === 'attest' && running ? <span className="pulse" role="img" aria-label="running" /> : null}
              </a>
            </li>
          ))}
        </ul>
        <button
          type="button"
          className="theme-switch"
          aria-label={`Theme: ${THEME_TEXT[theme]} (change)`}
          title={`Theme: ${THEME_TEXT[theme]}`}
          onClick={() => stores.ui.getState().setTheme(NEXT_THEME[theme])}
        >
          <svg className="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M12 3a9 9 0 100 18V3z" />
          </svg>
          <span className="nav-text">Theme: {THEME_TEXT[theme]}</span>
        </button>
        <div className="mode hint">
          <span className="nav-text">
            {stores.client.mode === 'web'
              ? 'Browser mode (127.0.0.1)'
              : stores.client.mode === 'electron'
                ? 'Desktop'
                : 'Test'}
          </span>
        </div>
      </nav>
      <div className="content">
        <ConnectionBanner />
        <main id="main" tabIndex={-1}>
          <fieldset className="screen-fieldset" disabled={lost}>
            <legend className="sr-only">{titleOf(view).split(' \u2014 ')[0]}</legend>
            <Screen view={view} />
          </fieldset>
        </main>
      </div>
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            <span>{n.text}</span>
            {n.action ? (
              <button
                type="button"
                className="notice-action"
                onClick={() => {
                  stores.ui.getState().dismiss(n.id);
                  void n.action!.run();
                }}
              >
                {n.action.label}
              </button>
            ) : null}
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
