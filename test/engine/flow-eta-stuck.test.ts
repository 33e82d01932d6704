import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { waitUntil } from '../../src/infra/wait';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { stuckConditionType } from '../../src/worker/stuck-watch';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, getCluster, openGate, runFlow, testFlowsDir, testStepsModule } from '../helpers/flows';

const taskQueue = testTaskQueue('eta');
let client: Client;
let close: () => Promise<void>;
let worker: RunningWorker;

before(async () => {
  ({ client, close } = await temporalClient());
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  // Stuck at 3x the usual duration, with no floor: the learnt Hold takes well under a second.
  worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }), stuck: { factor: 3, minMs: 0 }, estimatesTtlMs: 0 });
});
after(async () => {
  await worker.shutdown();
  await close();
});

const stuckCondition = async (ref: Awaited<ReturnType<typeof createCluster>>) => (await getCluster(ref)).status?.conditions?.find((c) => c.type === stuckConditionType);

test('status.workflow carries the expected time left, learnt per step from completed runs; a step past 3x its usual time raises FlowStepStuck', async () => {
  const ns = await testNamespace('eta');
  // Completed runs to learn from: the gate is open before the flow starts, so Hold ends at its first poll.
  for (const name of ['pc-learn-1', 'pc-learn-2']) {
    const ref = await createCluster(ns, name);
    await openGate(ref, 'Hold');
    await (await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' })).result();
  }
  await waitUntil(async () => (await worker.estimates.refresh('TestHold')).runs >= 2, { timeoutMs: 30_000, describe: () => 'two completed runs visible' });
  const learnt = (await worker.estimates.refresh('TestHold')).medianMs;
  assert.deepEqual([...learnt.keys()].sort(), ['Hold', 'One', 'Three']);

  const ref = await createCluster(ns, 'pc-stuck');
  const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
  await waitUntil(async () => (await getCluster(ref)).status?.workflow?.step === 'Hold', { timeoutMs: 30_000, describe: () => 'Hold started' });
  const workflow = (await getCluster(ref)).status?.workflow;
  const expected = Math.round((learnt.get('Hold')! + learnt.get('Three')!) / 1000);
  assert.equal(workflow?.expectedRemainingSeconds, expected, 'the ETA is the usual time of the steps left');
  assert.ok(workflow?.expectedCompletionAt);

  await waitUntil(async () => (await stuckCondition(ref))?.status === 'True', { timeoutMs: 30_000, describe: () => 'the stuck condition' });
  const condition = await stuckCondition(ref);
  assert.equal(condition?.reason, 'StepStuck');
  assert.match(condition?.message ?? '', /Hold/);
  const gauge = (await worker.metrics.stepsStuck.get()).values.find((v) => v.labels.step === 'Hold');
  assert.equal(gauge?.value, 1);

  await openGate(ref, 'Hold');
  await handle.result();
  await waitUntil(async () => (await stuckCondition(ref))?.status === 'False', { timeoutMs: 30_000, describe: () => 'the stuck condition lowered' });
  assert.equal((await worker.metrics.stepsStuck.get()).values.find((v) => v.labels.step === 'Hold')?.value, 0);
});
