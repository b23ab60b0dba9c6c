import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  build: {
    target: 'es2022',
    // TF.js is one large, cacheable chunk; keep it apart from the app code.
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { main: 'index.html', bench: 'bench/index.html' },
      output: {
        // TF.js and Dexie change rarely: their own chunks stay cached across app updates.
        manualChunks: (id: string) =>
          id.includes('node_modules/@tensorflow')
            ? 'tfjs'
            : id.includes('node_modules/dexie')
              ? 'dexie'
              : undefined,
      },
    },
  },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
