// @ts-check
// ESLint 9 flat config: typescript-eslint's type-checked recommended rules (floating and misused
// promises, unsafe `any`, unbound methods...) over src, test and bench; Prettier owns the formatting
// (eslint-config-prettier, last, switches off every rule that would fight it).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'coverage/', '.data/', '.bench-tmp/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks what is unused on purpose (an exhaustiveness `_event: never`, a skipped destructured field), as for tsc.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `async` without `await` is deliberate here: it fulfils Promise-returning contracts (lifecycle hooks, readiness checks,
      // ports, jest callbacks) and turns a throw into a rejection; a forgotten await is no-floating-promises' job.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.stringMatching, expect.objectContaining...) are typed `any`.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // CommonJS: the jest configs and the require hooks that compile TypeScript on the fly.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
