/// <reference types="vite-plugin-pwa/vanillajs" />
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import { afterFirstPaint } from './browser';
import { createApp } from './compose';
import { AppUpdate } from '../state/AppUpdate.svelte';
import { locale } from '../ui/i18n';
import '../ui/common/theme.css';

/** How often an open tab asks the server whether a new build exists (a failed check, offline, is fine). */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

const update = new AppUpdate(() => window.location.reload());
const app = createApp();
// A language other than English arrives as a chunk of its own: the first paint waits for it rather than
// showing English for a moment (if it cannot be fetched, the page is in English).
await locale.load(locale.lang).catch(() => {});
mount(App, { target: document.getElementById('app') as HTMLElement, props: { ...app, update } });
// The page paints and lists the history first; TF.js and the code built on it load right after, so they
// neither delay that paint nor compete with reading the history, and are here by the time anyone trains.
void app.liveModel
  .init()
  .then(() => afterFirstPaint())
  .then(() => app.liveModel.startRuntime());

// The service worker caches Graft's own files for offline use and never touches IndexedDB. A new build
// waits for the person's Reload (UpdateBanner); only this tab reloads by itself when it asked.
const applyUpdate = registerSW({
  onNeedRefresh: () => {
    // Without a controlling worker this is a first install (perhaps begun by another tab): nothing older
    // runs here, and the new worker takes this page over by itself.
    if (navigator.serviceWorker.controller !== null) update.offer(() => applyUpdate(true));
  },
  onNeedReload: () => update.tookOver(),
  onRegisteredSW: (_url, registration) => {
    if (registration === undefined) return;
    setInterval(() => {
      if (navigator.onLine) registration.update().catch(() => {});
    }, UPDATE_CHECK_MS);
  },
});
