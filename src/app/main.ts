/// <reference types="vite-plugin-pwa/vanillajs" />
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import { createApp } from './compose';
import { AppUpdate } from '../state/AppUpdate.svelte';
import '../ui/common/theme.css';

/** How often an open tab asks the server whether a new build exists (a failed check, offline, is fine). */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

const update = new AppUpdate(() => window.location.reload());
const app = createApp();
mount(App, { target: document.getElementById('app') as HTMLElement, props: { ...app, update } });
void app.liveModel.init();

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
