import { defineConfig } from 'vitest/config';
// @ts-expect-error -- plain ESM helper shared with the build script
import { sourceAliases } from '../../scripts/workspaces.mjs';

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/faults/**/*.test.ts'],
    globalSetup: ['tests/harness/buildServer.ts'],
    // One test file at a time: each starts and kills servers on a 2-core machine.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
