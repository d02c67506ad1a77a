import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// @ts-expect-error -- plain ESM helper shared with the build script and vitest
import { sourceAliases } from '../../scripts/workspaces.mjs';

const backend = process.env.PARLEY_API_URL ?? 'http://127.0.0.1:3000';

// The builder imports @parley/* from source, exactly as vitest and the build script do.
export default defineConfig({
  plugins: [react()],
  resolve: { alias: sourceAliases() },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': backend, '/webhook': backend, '/healthz': backend },
  },
  preview: { host: '127.0.0.1', proxy: { '/api': backend, '/webhook': backend } },
});
