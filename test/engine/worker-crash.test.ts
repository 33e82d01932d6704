import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SupervisedProcess } from '../../src/infra/supervised-process';
import { projectRoot } from '../../src/infra/paths';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, executionCounts, onlyExecution, openGate, runFlow, testFlowsDir, testStepsModule, waitForStep } from '../helpers/flows';

/** `mpdflow worker` as its own process, so the test can kill it the hard way. */
function workerProcess(taskQueue: string, label: string): SupervisedProcess {
  return new SupervisedProcess({
    name: `worker-${label}`,
    command: process.execPath,
    args: [join(projectRoot, 'bin', 'mpdflow.js'), 'worker', '--flows', testFlowsDir, '--steps', testStepsModule, '--task-queue', taskQueue],
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
