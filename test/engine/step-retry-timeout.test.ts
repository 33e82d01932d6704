import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { bounded } from '../helpers/bounded';
import { createCluster, executionCounts, runFlow, useEngineWorker } from '../helpers/flows';
import { testNamespace } from '../helpers/stack';

const env = useEngineWorker('step-tuning');

/** The interrupt message a failed run ended with. */
async function interruptMessage(result: Promise<unknown>): Promise<string> {
  try {
    await result;
  } catch (error) {
    assert.ok(error instanceof WorkflowFailedError, String(error));
    return String(error.cause?.message);
  }
  return assert.fail('the flow should have been interrupted');
}

// step_retry.yaml: the flow leaves the default 11 attempts; its step Flaky sets retry.maximumAttempts: 3.
test('a step retry.maximumAttempts is honoured exactly: 3 attempts, not the flow default 11', async () => {
  const ns = await testNamespace('step-retry');
  const passes = await createCluster(ns, 'pc-third');
  const ok = await bounded('TestStepRetry to complete', (await runFlow(env.client, env.taskQueue, { flowName: 'TestStepRetry', resource: passes, params: { failTimes: 2 }, state: 'Creating' })).result());
  assert.equal(ok.steps[1]?.attempts, 3);
  assert.deepEqual(await executionCounts(passes), { After: 1, Before: 1, 'Flaky-attempt': 3 });

  const fails = await createCluster(ns, 'pc-never');
  const run = await runFlow(env.client, env.taskQueue, { flowName: 'TestStepRetry', resource: fails, params: { failTimes: 5 }, state: 'Creating' });
  assert.match(await interruptMessage(bounded('TestStepRetry to give up', run.result())), /^MANY_RETRY: step Flaky failed 3 times; last error: planned failure 3 of 5/);
  assert.deepEqual(await executionCounts(fails), { Before: 1, 'Flaky-attempt': 3 }, 'exactly 3 attempts, and no step after');
});

// step_timeout.yaml: step Slow has timeout: 2s; the flow allows 2 attempts. A slow attempt hangs until cancelled.
test('a step attempt over its timeout is retried, and the step fails when every attempt times out', async () => {
  const ns = await testNamespace('step-timeout');
  const second = await createCluster(ns, 'pc-second');
  const ok = await bounded('TestStepTimeout to complete', (await runFlow(env.client, env.taskQueue, { flowName: 'TestStepTimeout', resource: second, params: { slowTimes: 1 }, state: 'Creating' })).result());
  assert.equal(ok.steps[0]?.attempts, 2, 'the first attempt timed out, the second completed');
  assert.deepEqual(await executionCounts(second), { After: 1, 'Slow-attempt': 2 });

  const never = await createCluster(ns, 'pc-never');
  const run = await runFlow(env.client, env.taskQueue, { flowName: 'TestStepTimeout', resource: never, params: { slowTimes: 2 }, state: 'Creating' });
  assert.match(await interruptMessage(bounded('TestStepTimeout to give up', run.result())), /^MANY_RETRY: step Slow failed 2 times; last error: .*timeout/i);
  assert.deepEqual(await executionCounts(never), { 'Slow-attempt': 2 });
});
