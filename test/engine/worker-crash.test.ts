import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { cancelSignal } from '../../src/contract/flow-run';
import { interruptAnnotations } from '../../src/kube/annotations';
import { SupervisedProcess } from '../../src/infra/supervised-process';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, executionCounts, getCluster, onlyExecution, openGate, runFlow, testFlowsDir, testStepsModule, waitForStep } from '../helpers/flows';

/** `mpdflow worker` as its own process, so the test can kill it the hard way. */
function workerProcess(taskQueue: string, label: string): SupervisedProcess {
  return new SupervisedProcess({
    name: `worker-${label}`,
    command: process.execPath,
    args: [join(projectRoot, 'bin', 'mpdflow.js'), 'worker', '--operator', testStepsModule, '--flows', testFlowsDir, '--task-queue', taskQueue],
    logFile: join(process.env.MPDFLOW_TEST_DATA_DIR ?? '/tmp', `worker-${taskQueue}-${label}.log`),
  });
}

test('kill -9 of the worker in the middle of a step: a new worker finishes the flow, each side effect exactly once', async () => {
  const taskQueue = testTaskQueue('crash');
  const { client, close } = await temporalClient();
  const ns = await testNamespace('crash');
  const ref = await createCluster(ns, 'pc-crash');
  const first = workerProcess(taskQueue, 'first');
  let second: SupervisedProcess | undefined;
  try {
    const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
    await waitForStep(ref, 'Hold', 120_000);
    const oneBefore = await onlyExecution(ref, 'One');
    await first.kill();
    await openGate(ref, 'Hold');
    second = workerProcess(taskQueue, 'second');
    const result = await handle.result();

    assert.deepEqual(result.steps.map((s) => `${s.stepName}:${s.outcome}`), ['One:completed', 'Hold:completed', 'Three:completed']);
    assert.ok((result.steps[1]?.attempts ?? 0) >= 2, 'the interrupted step ran again on the new worker');
    // One marker per execution: a step run twice would count 2 here.
    assert.deepEqual(await executionCounts(ref), { Hold: 1, One: 1, Three: 1 }, 'one side effect per step');
    assert.deepEqual(await onlyExecution(ref, 'One'), oneBefore, 'the completed step did not run again');
  } finally {
    await first.stop();
    await second?.stop();
    await close();
  }
});

test('a cancel the step\'s worker died before hearing ends as CANCELLED, not as retries exhausted', async () => {
  const taskQueue = testTaskQueue('crash-cancel');
  const { client, close } = await temporalClient();
  const ns = await testNamespace('crash-cancel');
  const ref = await createCluster(ns, 'pc-crash-cancel');
  const first = workerProcess(taskQueue, 'first');
  let second: SupervisedProcess | undefined;
  try {
    const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
    await waitForStep(ref, 'Hold', 120_000);
    // The cancel reaches the workflow, which asks the activity to stop; the worker dies before the activity can hear
    // it (its next heartbeat), so the activity ends by timing out with the cancel pending, as in the soak.
    await handle.signal(cancelSignal, 'asked just before the worker died');
    await waitUntil(async () => (await handle.fetchHistory()).events?.some((e) => e.activityTaskCancelRequestedEventAttributes) ?? false, {
      timeoutMs: 30_000,
      intervalMs: 20,
      describe: () => 'the workflow never asked the step to stop',
    });
    await first.kill();
    second = workerProcess(taskQueue, 'second');
    await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError && /CANCELLED/.test(String(error.cause?.message)));
    const cluster = await getCluster(ref);
    assert.equal(cluster.status?.clusterStatus, 'Interrupt');
    assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
    assert.equal(cluster.status?.workflow?.failedStep, 'Hold');
    assert.equal((await executionCounts(ref)).Three, undefined, 'no step runs after a cancel');
  } finally {
    await first.stop();
    await second?.stop();
    await close();
  }
});
