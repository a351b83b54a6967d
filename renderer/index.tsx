// @jsxRuntime automatic
/** Renderer entry: pick the bridge, create the stores, render the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDefaultClient } from './api/index.js';
import { createStores, StoresContext } from './state/stores.js';
import type { ThemePreference } from './state/ui-store.js';
import { App } from './views/app.js';
import './styles/app.css';

const THEME_KEY = 'sea-theme';
const saved = globalThis.localStorage?.getItem(THEME_KEY);
const theme: ThemePreference = saved === 'light' || saved === 'dark' ? saved : 'system';
const stores = createStores(createDefaultClient(), { theme });
stores.ui.subscribe((s) => globalThis.localStorage?.setItem(THEME_KEY, s.theme));

const container = document.getElementById('root');
if (!container) throw new Error('#root missing');
createRoot(container).render(
  <StrictMode>
    <StoresContext.Provider value={stores}>
      <App />
    </StoresContext.Provider>
  </StrictMode>,
);
