import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    // Node definitions and the flow format load in the browser: no Node built-ins, no server code.
    files: ['packages/flow/src/**/*.ts', 'packages/nodes/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Flow and node definitions must stay browser-safe.' },
            {
              group: ['express', 'pg', 'lowdb', 'react', 'xstate'],
              message: 'Not in browser-safe packages.',
            },
            {
              group: ['@parley/runtime', '@parley/store', '@parley/whatsapp', '@parley/server'],
              message: 'Dependencies point one way.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/flow/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@parley/*'], message: 'packages/flow imports nothing of ours.' }] },
      ],
    },
  },
);
