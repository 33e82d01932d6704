// Lint: TypeScript rules everywhere, and workflow code kept deterministic (no Node, no Kubernetes).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'tools/kube/**', '.mpdflow/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must not reach Node built-ins, Kubernetes, or project code that does.
    files: ['workflows/**/*.ts', 'src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code must be deterministic: no Node built-ins' })),
          patterns: [
            { group: ['@kubernetes/*'], message: 'workflow code must not talk to Kubernetes; use an activity' },
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'workflow code may use only @temporalio/workflow and @temporalio/common' },
            { regex: '^\\.\\./(src|activities)/(?!contract/)', message: 'workflow code may import only from workflows/ and src/contract/' },
            { group: ['pino', 'prom-client', 'yaml', 'commander'], message: 'workflow code must stay free of I/O libraries' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'require'],
    },
  },
);
