import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Watch } from '@kubernetes/client-node';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { interruptAnnotations } from '../../src/kube/annotations';
import { recoveryStartStep } from '../../src/flows/recovery';
import { progressQuery } from '../../src/contract/flow-run';
import { waitUntil } from '../../src/infra/wait';
import { configFromEnv } from '../../src/config';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker } from '../../src/worker/run-worker';
import { kube, testNamespace, testTaskQueue } from '../helpers/stack';
import { testFlowsDir, testStepsModule, createCluster, eventReasons, executionCounts, getCluster, hookCompletions, markers, onlyExecution, openGate, runFlow, testFlow, useEngineWorker } from '../helpers/flows';

const env = useEngineWorker('engine');

/** The failure a flow run ended with, as the workflow recorded it. */
async function interruptOf(promise: Promise<unknown>): Promise<{ reason: string; step?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof WorkflowFailedError, `expected a failed workflow, got ${error}`);
    const cause = error.cause;
    assert.ok(cause instanceof ApplicationFailure);
    return cause.details?.[0] as { reason: string; step?: string; message: string };
  }
  assert.fail('the flow should have been interrupted');
}

test('a flow runs its steps in order (group expanded), outputs accumulate, progress and events are kept', async () => {
  const ns = await testNamespace('record');
  const ref = await createCluster(ns, 'pc-record');
  const writes: string[] = [];
  const watching = await new Watch(kube().config).watch(
    MpdClusterClient.watchPath(ns),
    { resourceVersion: (await getCluster(ref)).metadata.resourceVersion },
    (phase, obj: { status?: { workflow?: { step?: string; phase?: string } } }) => {
      if (phase === 'MODIFIED') writes.push(`${obj.status?.workflow?.phase}:${obj.status?.workflow?.step}`);
    },
    () => undefined,
  );
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestRecord', resource: ref, params: { fromEvent: 'yes' }, state: 'Creating' });
  const result = await handle.result();
  watching.abort();

  assert.deepEqual(result.steps.map((s) => `${s.stepName}:${s.outcome}`), ['One:completed', 'Two:completed', 'Three:completed', 'Four:completed']);
  assert.deepEqual(await executionCounts(ref), { Four: 1, One: 1, Three: 1, Two: 1 }, 'each step ran exactly once');
  const lastValues = JSON.parse((await onlyExecution(ref, 'Four')).values!) as Record<string, unknown>;
  assert.deepEqual(lastValues, { fromEvent: 'yes', One: 'done', Two: 'done', Three: 'done', last: 'Three' }, 'params plus every earlier output, later keys winning');

  const status = (await getCluster(ref)).status?.workflow;
  assert.equal(status?.phase, 'Completed');
  assert.equal(status?.flowName, 'TestRecord');
  assert.equal(status?.stepTotal, 4);
  assert.equal(status?.workflowId, handle.workflowId);
  assert.ok(writes.length <= 4 + 2, `at most one status write per step plus start and end, saw ${writes.join(', ')}`);

  const progress = await handle.query(progressQuery);
  assert.equal(progress.phase, 'completed');
  assert.equal(progress.total, 4);
  assert.ok(progress.steps.every((s) => typeof s.durationMs === 'number'));

  // Events go out beside the flow: wait for the last one.
  await waitUntil(async () => (await eventReasons(ref)).includes('FlowCompleted'), { timeoutMs: 10_000, describe: () => 'the FlowCompleted Event' });
  assert.deepEqual(await hookCompletions(ref), ['TestRecord'], 'the operator module hook ran once, on flow completion');
  assert.deepEqual((await eventReasons(ref)).sort(), ['FlowCompleted', 'FlowStarted'], 'by default Events only at flow start and completion, none per step');

  await waitUntil(
    async () => {
      const found = [];
      for await (const wf of env.client.workflow.list({ query: `MpdCluster = "pc-record" AND MpdNamespace = "${ns}" AND MpdFlow = "TestRecord"` })) found.push(wf);
      return found.length === 1;
    },
    { timeoutMs: 15_000, describe: () => 'the run is findable by its search attributes' },
  );
});

test('a step failing 10 times then succeeding completes the flow', async () => {
  const ns = await testNamespace('flaky10');
  const ref = await createCluster(ns, 'pc-flaky');
  const result = await (await runFlow(env.client, env.taskQueue, { flowName: 'TestFlaky', resource: ref, params: { failTimes: 10 }, state: 'Creating' })).result();
  const flaky = result.steps.find((s) => s.stepName === 'Flaky');
  assert.equal(flaky?.outcome, 'completed');
  assert.equal(flaky?.attempts, 11);
  assert.deepEqual(await executionCounts(ref), { After: 1, Before: 1, Flaky: 1 }, 'only the successful attempt of Flaky leaves a marker');
  assert.equal((await onlyExecution(ref, 'Flaky')).attempt, '11');
  const failed = async () => (await eventReasons(ref)).filter((r) => r === 'StepFailed').length;
  await waitUntil(async () => (await failed()) === 10, { timeoutMs: 10_000, describe: () => 'one StepFailed Event per failed attempt' });
});

test('per-step Events are opt-in (MPDFLOW_STEP_EVENTS=true): StepStarted and StepCompleted for each step', async () => {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('step-events');
  config.flowWrites.stepEvents = true;
  const worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }) });
  try {
    const ref = await createCluster(await testNamespace('step-events'), 'pc-step-events');
    await (await runFlow(env.client, config.temporal.taskQueue, { flowName: 'TestRecord', resource: ref, state: 'Creating' })).result();
    const count = async (reason: string) => (await eventReasons(ref)).filter((r) => r === reason).length;
    await waitUntil(async () => (await count('StepCompleted')) === 4 && (await count('StepStarted')) === 4 && (await count('FlowCompleted')) === 1, {
      timeoutMs: 10_000,
      describe: () => 'four StepStarted and four StepCompleted Events',
    });
  } finally {
    await worker.shutdown();
  }
});

test('a step failing 11 times interrupts the flow with MANY_RETRY and the seed annotations', async () => {
  const ns = await testNamespace('flaky11');
  const ref = await createCluster(ns, 'pc-flaky');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestFlaky', resource: ref, params: { failTimes: 11 }, state: 'Creating' });
  const detail = await interruptOf(handle.result());
  assert.equal(detail.reason, 'MANY_RETRY');
  assert.equal(detail.step, 'Flaky');
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.status?.workflow?.failedStep, 'Flaky');
  assert.equal(cluster.status?.workflow?.phase, 'Interrupted');
  const annotations = cluster.metadata.annotations ?? {};
  assert.equal(annotations[interruptAnnotations.recover], 'F');
  assert.equal(annotations[interruptAnnotations.reason], 'MANY_RETRY');
  assert.equal(annotations[interruptAnnotations.previousStatus], 'Creating');
  assert.match(annotations[interruptAnnotations.message] ?? '', /failed 11 times; last error: planned failure 11 of 11/);
  assert.deepEqual(await executionCounts(ref), { Before: 1 }, 'no step runs after an interrupt');
  await waitUntil(async () => (await eventReasons(ref)).includes('FlowInterrupted'), { timeoutMs: 10_000, describe: () => 'the FlowInterrupted Event' });
});

test('an interrupt code stops the flow at once; recovery resumes from the failed step', async () => {
  const ns = await testNamespace('interrupt');
  const ref = await createCluster(ns, 'pc-int', 'Creating');
  const flow = await testFlow('TestInterrupt');
  const detail = await interruptOf((await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' })).result());
  assert.deepEqual([detail.reason, detail.step], ['POD_LOST', 'Two']);
  assert.equal((await getCluster(ref)).metadata.annotations?.[interruptAnnotations.reason], 'POD_LOST');
  const firstOne = await onlyExecution(ref, 'One');

  await openGate(ref, 'Two');
  const resumeFrom = recoveryStartStep(flow, detail.step);
  assert.equal(resumeFrom, 'Two');
  const result = await (await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating', resumeFrom })).result();
  assert.deepEqual(result.steps.map((s) => s.outcome), ['skipped', 'completed', 'completed']);
  assert.deepEqual(await executionCounts(ref), { One: 1, Three: 1, Two: 1 }, 'the step before the failed one did not run again');
  assert.deepEqual(await onlyExecution(ref, 'One'), firstOne);
  assert.equal((await onlyExecution(ref, 'Two')).runId, (await onlyExecution(ref, 'Three')).runId, 'Two and Three ran in the resumed run');
});

test('recoverFromFirstStep makes recovery start from the first step', async () => {
  const ns = await testNamespace('interrupt-first');
  const ref = await createCluster(ns, 'pc-int');
  const flow = await testFlow('TestInterruptFromFirst');
  const detail = await interruptOf((await runFlow(env.client, env.taskQueue, { flowName: 'TestInterruptFromFirst', resource: ref, state: 'Creating' })).result());
  await openGate(ref, 'Two');
  const resumeFrom = recoveryStartStep(flow, detail.step);
  assert.equal(resumeFrom, undefined);
  const result = await (await runFlow(env.client, env.taskQueue, { flowName: 'TestInterruptFromFirst', resource: ref, state: 'Creating', resumeFrom })).result();
  assert.deepEqual(result.steps.map((s) => s.outcome), ['completed', 'completed', 'completed']);
  assert.deepEqual(await executionCounts(ref), { One: 2, Three: 1, Two: 1 }, 'One ran in both runs, the rest once');
  assert.deepEqual(new Set((await markers(ref)).get('One')!.map((m) => m.runId)).size, 2);
});

test('a waiting step sleeps on a durable timer and is tried again without counting a failure', async () => {
  const ns = await testNamespace('waiting');
  const ref = await createCluster(ns, 'pc-wait');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestWaiting', resource: ref, state: 'Creating' });
  await waitUntil(async () => ((await handle.query(progressQuery)).steps[0]?.waits ?? 0) >= 2, { timeoutMs: 20_000, describe: () => 'two waits' });
  assert.notEqual((await handle.query(progressQuery)).steps[0]?.outcome, 'completed');
  await openGate(ref, 'Wait');
  const result = await handle.result();
  assert.equal(result.steps[0]?.outcome, 'completed');
  assert.equal(result.steps[0]?.attempts, 1, 'waits are not failed attempts');
  assert.ok((result.steps[0]?.waits ?? 0) >= 2);
  assert.equal((await eventReasons(ref)).filter((r) => r === 'StepWaiting').length, 1, 'the waiting hook fires once');
  assert.deepEqual(await executionCounts(ref), { After: 1, Wait: 1 });
});
