import { defineConfig } from 'vitest/config';
// @ts-expect-error -- plain ESM helper shared with the build script
import { sourceAliases } from '../scripts/workspaces.mjs';

// `npx vitest run --config bench/vitest.config.ts`: the bench's own checks (they start the
// simulator process, so they stay out of the unit suite).
export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
