// SPDX-License-Identifier: Apache-2.0
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const ioModules = [
  'node:*',
  'fs',
  'http',
  'https',
  'net',
  'child_process',
  'yaml',
  'mathjs',
  'node-cron',
  'commander',
  'zod',
];

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      complexity: ['error', 15],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // The decision core is pure: no I/O, no clock, no parsers (as knative/serving keeps pkg/autoscaler/scaling/autoscaler.go free of I/O; docs/decision.md).
    files: ['src/decision/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: ioModules.map((m) => ({
            group: [m],
            message: 'decision/ is pure: pass data in, no I/O or parsers',
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'decision/ takes time as an argument',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'decision/ takes time as an argument' },
        { object: 'Math', property: 'random', message: 'decision/ is deterministic' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      complexity: 'off',
      'max-depth': 'off',
    },
  },
);
