/**
 * The benchmark page's own build, used by bench/run.mjs (`npm run bench`). The app's vite.config.ts builds
 * the app alone, so its dist/ carries no bench page and no bench chunk; this one builds only the bench, with
 * the app's Svelte setup and chunking, so the code measured is compiled as the app compiles it.
 *
 *   npx vite build -c bench/vite.config.ts   # into node_modules/.cache/graft-bench-dist
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { manualChunks } from '../vite.config';

/** The repository root: the page stays at /bench/index.html and src/ resolves as in the app. */
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  // The bench makes its own data; the app's icons and data sets are not needed.
  publicDir: false,
  plugins: [svelte()],
  build: {
    target: 'es2022',
    outDir: 'node_modules/.cache/graft-bench-dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 5120,
    rollupOptions: {
      input: { bench: fileURLToPath(new URL('index.html', import.meta.url)) },
      output: {
        // As in the app's build: TF.js and Dexie in chunks of their own.
        manualChunks,
      },
    },
  },
  // The training worker (src/ml/train.worker.ts), which bench/training.ts runs as the app does.
  worker: { format: 'es' },
});
