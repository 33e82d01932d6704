/**
 * Plain answers from the hold commands: approve, reject and resume with no flow running say that nothing waits (not
 * Temporal's "workflow execution already completed"); `mpdflow status` shows a held run as held, with what releases it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';

let ns: string;
let op: TestOperator;
before(async () => {
  ns = await testNamespace('holdcli');
  op = await startTestOperator(ns);
});
after(async () => op.stop());

const bin = join(projectRoot, 'bin', 'mpdflow.js');
const mpdflow = (args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { cwd: projectRoot, env: { ...process.env, TEMPORAL_TASK_QUEUE: op.taskQueue } });

async function failing(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await mpdflow(args);
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`mpdflow ${args.join(' ')} succeeded`);
}

test('approve, reject and resume with no flow running say that nothing waits', async () => {
  const ref = await createSampleCluster(ns, 'pc-idle');
  await waitForState(ref, 'Running');
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.phase === 'Completed', { timeoutMs: 30_000, describe: () => 'the create flow never showed completed' });
  const target = `${ns}/pc-idle`;
  const expected = {
    approve: `mpdflow: ${target} has no flow running (it is Running; its last flow, OpCreate, is completed): nothing waits for approval\n`,
    reject: `mpdflow: ${target} has no flow running (it is Running; its last flow, OpCreate, is completed): nothing waits for approval\n`,
    resume: `mpdflow: ${target} has no flow running (it is Running; its last flow, OpCreate, is completed): nothing is paused\n`,
  };
  for (const [verb, stderr] of Object.entries(expected)) {
    const answer = await failing([verb, target]);
    assert.equal(answer.code, 1, verb);
    assert.equal(answer.stderr, stderr);
  }
});

test('mpdflow status shows a paused run as held, with the command that releases it; resume lets it finish', async () => {
  const ref = await createSampleCluster(ns, 'pc-held');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'never reached RestartCluster' });
  const target = `${ns}/pc-held`;
  await mpdflow(['pause', target, '--reason', 'looking first']);
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.phase === 'Paused', { timeoutMs: 30_000, describe: () => 'never paused' });
  const { stdout } = await mpdflow(['status', target]);
  assert.match(stdout, new RegExp(`held:\\s+paused before step \\S+ since \\S+: looking first \\(mpdflow resume ${target}\\)`));
  const table = (await mpdflow(['status'])).stdout.split('\n').find((line) => / pc-held /.test(line)) ?? '';
  assert.match(table, /\(held: paused\)/);
  await mpdflow(['resume', target]);
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.phase === 'Completed', { timeoutMs: 30_000, describe: () => 'never completed after resume' });
  assert.match((await mpdflow(['status', target])).stdout, /held:\s+-/);
});
