// @jsxRuntime automatic
/**
 * Renderer entry: pick the bridge, create the stores, route by the location hash (reload keeps the place,
 * Back and Forward work), watch the connection, render the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDefaultClient } from './api/index.js';
import { hrefOf, viewOf } from './state/router.js';
import { createStores, StoresContext } from './state/stores.js';
import type { ThemePreference } from './state/ui-store.js';
import { App } from './views/app.js';
import './styles/app.css';

const THEME_KEY = 'sea-theme';
const saved = globalThis.localStorage?.getItem(THEME_KEY);
const theme: ThemePreference = saved === 'light' || saved === 'dark' ? saved : 'system';
const stores = createStores(
  createDefaultClient(),
  { theme, view: viewOf(location.hash) },
  {
    ui: {
      onNavigate: (view) => {
        const href = hrefOf(view);
        if (location.hash !== href) location.hash = href; // a history entry: Back returns here
      },
    },
  },
);
stores.ui.subscribe((s) => globalThis.localStorage?.setItem(THEME_KEY, s.theme));
let shown = stores.ui.getState().view;
stores.ui.subscribe((s) => {
  if (s.view !== shown) {
    shown = s.view;
    globalThis.scrollTo?.(0, 0);
  }
});
globalThis.addEventListener('hashchange', () => stores.ui.getState().showView(viewOf(location.hash)));
if (!location.hash) history.replaceState(null, '', hrefOf(stores.ui.getState().view));
stores.connection.getState().start();

const container = document.getElementById('root');
if (!container) throw new Error('#root missing');
createRoot(container).render(
  <StrictMode>
    <StoresContext.Provider value={stores}>
      <App />
    </StoresContext.Provider>
  </StrictMode>,
);
