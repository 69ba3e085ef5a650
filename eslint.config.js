import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'db/migrations/', 'outbox/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // core/ is pure: it must not reach into the layers that do I/O.
      'no-restricted-imports': 'off',
    },
  },
  {
    // The one script the web pages load runs in the browser.
    files: ['api/pages/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '**/worker/**', '**/db/**'], message: 'core/ is pure domain code without I/O.' },
            {
              group: ['node:fs', 'node:net', 'node:http', 'pg', 'postgres', 'bullmq', 'ioredis'],
              message: 'core/ does no I/O.',
            },
          ],
        },
      ],
    },
  },
);
