import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

// End-to-end tests: real Chromium (playwright-core) against the built app served by the real
// server. One browser, one file at a time: the machine has two cores.
export default defineConfig({
  root,
  test: {
    include: ['apps/builder/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
