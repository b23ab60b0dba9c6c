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
    },
  },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
