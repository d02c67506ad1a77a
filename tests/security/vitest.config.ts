import { defineConfig } from 'vitest/config';
// @ts-expect-error -- plain ESM helper shared with the build script
import { sourceAliases } from '../../scripts/workspaces.mjs';

/** `npm run test:security`: the hostile-input battery (tests/security/*.test.ts). */
export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  resolve: { alias: sourceAliases() },
  test: {
    include: ['tests/security/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Each file starts its own servers; two at a time is what 2 shared cores can carry.
    maxWorkers: 2,
  },
});
