// Lint: TypeScript rules everywhere, workflow code kept deterministic, and the import layers (below) in one table.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`]);

/**
 * The layers, top to bottom. A file may import its own layer and every layer below it, never one above. Layers that
 * share a rank (`worker` and `controller`) never import each other. `operators` are plug-ins: they may use the layers
 * from `operator-api` down, and nothing in the engine (src/ outside src/operator/) imports them; the package's entry
 * (bin/mpdflow.js) names the default one. docs/architecture.md explains each layer.
 */
export const layers = [
  { name: 'cli', rank: 0, paths: ['src/cli'] },
  { name: 'worker', rank: 1, paths: ['src/worker'] },
  { name: 'controller', rank: 1, paths: ['src/controller'] },
  { name: 'operators', rank: 2, paths: ['src/operator', 'activities'] },
  { name: 'operator-api', rank: 3, paths: ['src/operator-api'] },
  { name: 'runtime', rank: 4, paths: ['src/flows', 'src/statemachine', 'src/temporal'] },
  { name: 'infra', rank: 5, paths: ['src/infra', 'src/dev'] },
  { name: 'kube', rank: 6, paths: ['src/kube'] },
  { name: 'config', rank: 7, paths: ['src/config.ts'] },
  { name: 'contract', rank: 8, paths: ['src/contract'] },
];

/** One zone per (layer, layer it must not import): above it, beside it at the same rank, or the plug-ins. */
export function layerZones() {
  const zones = [];
  for (const layer of layers) {
    for (const other of layers) {
      if (other === layer) continue;
      const forbidden =
        other.rank < layer.rank || (other.rank === layer.rank && other.name !== layer.name) || (other.name === 'operators' && layer.name !== 'operators');
      if (!forbidden) continue;
      const why =
        other.name === 'operators'
          ? 'the engine never imports an operator: it is handed the operator object'
          : other.rank === layer.rank
            ? `${layer.name} and ${other.name} are separate parts: what both need lives in a layer below them`
            : `imports run one way: ${layer.name} sits below ${other.name}`;
      zones.push({ target: layer.paths, from: other.paths, message: `${layer.name} may not import ${other.name} (${why}; see eslint.config.js)` });
    }
  }
  // Workflow code is replayed: it reaches only the deterministic contract.
  zones.push({
    target: ['workflows'],
    from: layers.filter((l) => l.name !== 'contract').flatMap((l) => l.paths),
    message: 'workflow code may import only from workflows/ and src/contract/',
  });
  return zones;
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'tools/kube/**', '.mpdflow/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layers, and no import cycles anywhere in the shipped code.
    files: ['src/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: dirname(fileURLToPath(import.meta.url)), zones: layerZones() }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
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
