import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The house rules of docs/design.md ("Layers"), as lint: each folder may import only from the
 * layers below it. A later block for the same file replaces `no-restricted-imports`, so each
 * folder lists everything it may not import.
 */
const restrict = (files, patterns, why) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message: why }] }] },
});
const outsideLib = ['**/local/**', '**/test/**', '**/functions/**', '**/bench/**', '**/scripts/**'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.serverless/**',
      'artifacts/**',
      '.esbuild/**',
      'bench/results.json',
      'bench/.out/**',
      '.local-stack/**',
      'coverage/**',
      'jest.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  restrict(['lib/**/*.ts'], outsideLib, 'lib/ never imports the entry points, the local stack, the bench or the tests.'),
  restrict(
    ['lib/kore/**/*.ts'],
    [...outsideLib, '**/aws/**', '**/lifecycle/**', '**/sweep/**', '**/guard/**', '**/deps*'],
    'lib/kore is the Kore port and adapter: it knows nothing of SQS, commands, the sweep or the guard.',
  ),
  restrict(
    ['lib/aws/**/*.ts'],
    [...outsideLib, '**/lifecycle/**', '**/sweep/**', '**/guard/**', '**/deps*'],
    'lib/aws knows nothing of commands, the sweep or the guard.',
  ),
  restrict(
    ['lib/guard/**/*.ts'],
    [...outsideLib, '**/lifecycle/**', '**/sweep/**', '**/aws/**', '**/deps*'],
    'lib/guard is the safety model: pure rules over Kore replies, used by the consumer and the sweep alike.',
  ),
  restrict(
    ['lib/sweep/**/*.ts'],
    [...outsideLib, '**/deps*', '**/lifecycle/record-handler*', '**/lifecycle/handler*', '**/lifecycle/settle*'],
    'lib/sweep shares the guard and the command types, not the consumer.',
  ),
  restrict(['functions/**/*.ts'], ['**/local/**', '**/test/**', '**/bench/**', '**/scripts/**'], 'a Lambda entry point bundles lib/ only.'),
  restrict(
    ['local/kore-emulator/**/*.ts'],
    ['**/lib/**', '**/test/**', '**/functions/**'],
    "the Kore emulator must not share the client's assumptions: nothing from lib/.",
  ),
);
