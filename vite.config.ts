import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

/** The app's colours, as in theme.css (light theme). */
const THEME_COLOUR = '#1f6f5c';
const BACKGROUND_COLOUR = '#f6f7f5';

/**
 * TF.js and Dexie change rarely: their own chunks stay cached across app updates (the bench builds alike).
 * TF.js is reached only through the dynamic import of src/app/features.ts, so index.html does not
 * modulepreload it: the page paints and lists the history first (tests/e2e/startup.spec.ts checks it).
 */
export const manualChunks = (id: string): string | undefined =>
  id.includes('node_modules/@tensorflow') ? 'tfjs' : id.includes('node_modules/dexie') ? 'dexie' : undefined;

export default defineConfig({
  plugins: [
    svelte(),
    // Installable and offline after one visit. 'prompt': a new build waits until the person chooses to
    // reload (src/ui/common/UpdateBanner.svelte); the service worker only ever touches its own caches,
    // never IndexedDB, so stored models are not affected by an update.
    VitePWA({
      registerType: 'prompt',
      // src/app/main.ts registers through virtual:pwa-register; no inline script (the CSP forbids one).
      injectRegister: false,
      // The glob below already takes every icon; listing them again would only duplicate entries.
      includeManifestIcons: false,
      manifest: {
        name: 'Graft',
        short_name: 'Graft',
        description:
          'Version control for neural networks, in one web page: build, train and keep every version of a TF.js model in your browser.',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOUR,
        background_color: BACKGROUND_COLOUR,
        categories: ['developer', 'education', 'productivity'],
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'graft.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      workbox: {
        // The app shell, the TF.js and Dexie chunks, the icons and every shipped data set. TF.js's WebGL
        // shaders are generated in code, so the tfjs chunk is all the GPU path needs.
        globPatterns: ['**/*.{html,js,css,svg,png}', 'datasets/**/*'],
        // The h5wasm chunk is about 4.8 MB and the tfjs chunk 0.9 MB; leave room for them to grow without
        // silently dropping out of the cache (and so out of offline use).
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // The first visit's page is served by the worker as soon as it is installed; an update still waits
        // for the person (no skipWaiting).
        clientsClaim: true,
      },
    }),
  ],
  build: {
    target: 'es2022',
    // TF.js is one large, cacheable chunk; keep it apart from the app code. The largest chunk is h5wasm
    // (the HDF5 C library as WebAssembly, 4.8 MB), loaded only when a Keras file is read or written.
    chunkSizeWarningLimit: 5120,
    // One input, the app: the benchmark page has its own build (bench/vite.config.ts, npm run bench).
    rollupOptions: {
      input: { main: 'index.html' },
      output: {
        manualChunks,
      },
    },
  },
  // The training worker (src/ml/train.worker.ts) is a module worker with its own copy of TF.js.
  worker: { format: 'es' },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/state/i18n.testSetup.ts'],
    testTimeout: 30_000,
  },
});
