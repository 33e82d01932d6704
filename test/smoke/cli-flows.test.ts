import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';

const mpdflow = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), ...args], { cwd: projectRoot }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const brokenDir = join('test', 'fixtures', 'broken-flows', '11-unknown-key-flow');
const brokenLine = `${brokenDir}/flow.yaml:2:1: unknown key "recoverFromFirstSteps"; allowed keys: flowName, recoverFromFirstStep, steps, retry, timeout, heartbeat`;
const stepsModule = join('test', 'fixtures', 'test-steps.ts');

test('`mpdflow flows validate` prints path:line:col: message and exits 1 on a broken flow set, 0 on a good one', async () => {
  const bad = await mpdflow('flows', 'validate', brokenDir, '--operator', stepsModule);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim(), brokenLine);
  const good = await mpdflow('flows', 'validate', join('test', 'fixtures', 'flows'), '--operator', stepsModule);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /^\d+ flows valid/);
});

test('a worker never starts on an invalid flow set', async () => {
  const result = await mpdflow('worker', '--flows', brokenDir, '--operator', stepsModule, '--task-queue', 'never-started');
  assert.equal(result.code, 1);
  assert.ok(result.stderr.includes(`invalid flows:\n${brokenLine}`), result.stderr);
});

test('`mpdflow flows graph` draws one flow as Mermaid', async () => {
  const result = await mpdflow('flows', 'graph', 'TestRecord', '--dir', join('test', 'fixtures', 'flows'), '--operator', stepsModule);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^flowchart TD/);
  assert.match(result.stdout, /s1\["2\. Two<br\/><small>test\.Record<\/small>"\]/);
});
