import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { projectRoot } from '../../src/infra/paths';

/** Lints `code` as if it were the file at `path`: the layer rules look at where a file is, not what it is called. */
async function lintAs(path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: projectRoot });
  const [result] = await eslint.lintText(code, { filePath: `${projectRoot}/${path}` });
  return (result?.messages ?? []).map((m) => `${m.line}:${m.ruleId}: ${m.message}`);
}

const probe = (specifier: string, name: string) => `import { ${name} } from '${specifier}';\nexport const used = ${name};\n`;

test('a cross-layer import fails the lint, naming both layers', async () => {
  const cases: Array<[file: string, specifier: string, name: string, why: RegExp]> = [
    ['src/kube/__lint_probe__.ts', '../worker/run-worker', 'startWorker', /kube may not import worker \(imports run one way/],
    ['src/worker/__lint_probe__.ts', '../controller/controller', 'startController', /worker may not import controller \(worker and controller are separate parts/],
    ['src/controller/__lint_probe__.ts', '../cli/main', 'runCli', /controller may not import cli/],
    ['src/controller/__lint_probe__.ts', '../operator/shared/operator', 'operator', /controller may not import operators \(the engine never imports an operator/],
    ['src/cli/__lint_probe__.ts', '../../activities/shared/index', 'sharedSteps', /cli may not import operators/],
    ['activities/shared/__lint_probe__.ts', '../../src/worker/run-worker', 'startWorker', /operators may not import worker/],
    ['src/contract/__lint_probe__.ts', '../kube/mpdcluster', 'mpdClusterRef', /contract may not import kube/],
    ['workflows/__lint_probe__.ts', '../src/flows/step', 'WaitingError', /workflow code may import only from workflows\/ and src\/contract\//],
  ];
  for (const [file, specifier, name, why] of cases) {
    const messages = await lintAs(file, probe(specifier, name));
    assert.ok(
      messages.some((m) => m.startsWith('1:import-x/no-restricted-paths:') && why.test(m)),
      `${file} importing ${specifier}: ${JSON.stringify(messages)}`,
    );
  }
});

test('imports down the layers pass', async () => {
  assert.deepEqual(await lintAs('src/worker/__lint_probe__.ts', probe('../flows/step-services', 'stepServices')), []);
  assert.deepEqual(await lintAs('src/controller/__lint_probe__.ts', probe('../temporal/flow-runs', 'FlowRuns')), []);
  assert.deepEqual(await lintAs('src/operator/shared/__lint_probe__.ts', `import type { Operator } from '../../operator-api/operator';\nexport type Used = Operator;\n`), []);
});

test('an import cycle fails the lint', async () => {
  // mpdcluster-client.ts imports client.ts: client.ts importing it back closes a cycle.
  const client = readFileSync(`${projectRoot}/src/kube/client.ts`, 'utf8');
  const messages = await lintAs('src/kube/client.ts', `${client}\n${probe('./mpdcluster-client', 'MpdClusterClient')}`);
  assert.ok(messages.some((m) => m.includes('import-x/no-cycle')), JSON.stringify(messages));
});
