import { defineConfig } from 'vitest/config';
// @ts-expect-error -- plain ESM helper shared with the build script
import { sourceAliases } from './scripts/workspaces.mjs';

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    include: [
      'packages/*/src/**/*.test.{ts,tsx}',
      'apps/*/src/**/*.test.{ts,tsx}',
      'apps/*/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', 'apps/builder/e2e/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
