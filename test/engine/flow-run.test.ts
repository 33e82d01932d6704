import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Watch } from '@kubernetes/client-node';
import { flowProgress } from '../../src/temporal/flow-client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { interruptAnnotations } from '../../src/kube/annotations';
import { recoveryStartStep } from '../../src/flows/recovery';
import { waitUntil } from '../../src/infra/wait';
import { kube, testNamespace } from '../helpers/stack';
import { createCluster, eventReasons, getCluster, markers, openGate, runFlow, testFlow, useEngineWorker } from '../helpers/flows';

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
  const seen = await markers(ref);
  assert.deepEqual([...seen.keys()].sort(), ['Four', 'One', 'Three', 'Two']);
  const lastValues = JSON.parse(seen.get('Four')!.values!) as Record<string, unknown>;
  assert.deepEqual(lastValues, { fromEvent: 'yes', One: 'done', Two: 'done', Three: 'done', last: 'Three' }, 'params plus every earlier output, later keys winning');

  const status = (await getCluster(ref)).status?.workflow;
  assert.equal(status?.phase, 'Completed');
  assert.equal(status?.flowName, 'TestRecord');
  assert.equal(status?.stepTotal, 4);
  assert.equal(status?.workflowId, `MPDCluster/${ns}/pc-record`);
  assert.ok(writes.length <= 4 + 2, `at most one status write per step plus start and end, saw ${writes.join(', ')}`);

  const progress = await flowProgress(env.client, ref);
  assert.equal(progress.phase, 'completed');
  assert.equal(progress.total, 4);
  assert.ok(progress.steps.every((s) => typeof s.durationMs === 'number'));

  await waitUntil(async () => (await eventReasons(ref)).filter((r) => r === 'StepCompleted').length === 4, {
    timeoutMs: 10_000,
    describe: () => 'four StepCompleted events',
  });
  const hookMarker = await kube().core.readNamespacedConfigMap({ namespace: ns, name: 'pc-record-hook-completed' });
  assert.equal(hookMarker.data?.flow, 'TestRecord', 'the operator module hook ran on flow completion');
  const reasons = await eventReasons(ref);
  for (const reason of ['FlowStarted', 'StepStarted', 'StepCompleted', 'FlowCompleted']) assert.ok(reasons.includes(reason), `event ${reason}`);

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
  assert.equal((await markers(ref)).get('Flaky')?.attempt, '11');
  assert.ok((await markers(ref)).has('After'));
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
  assert.ok(!(await markers(ref)).has('After'), 'no step runs after an interrupt');
  assert.ok((await eventReasons(ref)).includes('FlowInterrupted'));
});

test('an interrupt code stops the flow at once; recovery resumes from the failed step', async () => {
  const ns = await testNamespace('interrupt');
  const ref = await createCluster(ns, 'pc-int', 'Creating');
  const flow = await testFlow('TestInterrupt');
  const detail = await interruptOf((await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' })).result());
  assert.deepEqual([detail.reason, detail.step], ['POD_LOST', 'Two']);
  assert.equal((await getCluster(ref)).metadata.annotations?.[interruptAnnotations.reason], 'POD_LOST');
  const firstOne = (await markers(ref)).get('One');

  await openGate(ref, 'Two');
  const resumeFrom = recoveryStartStep(flow, detail.step);
  assert.equal(resumeFrom, 'Two');
  const result = await (await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating', resumeFrom })).result();
  assert.deepEqual(result.steps.map((s) => s.outcome), ['skipped', 'completed', 'completed']);
  assert.deepEqual((await markers(ref)).get('One'), firstOne, 'the step before the failed one did not run again');
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
});

test('a waiting step sleeps on a durable timer and is tried again without counting a failure', async () => {
  const ns = await testNamespace('waiting');
  const ref = await createCluster(ns, 'pc-wait');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestWaiting', resource: ref, state: 'Creating' });
  await waitUntil(async () => ((await flowProgress(env.client, ref)).steps[0]?.waits ?? 0) >= 2, { timeoutMs: 20_000, describe: () => 'two waits' });
  assert.equal((await flowProgress(env.client, ref)).steps[0]?.outcome !== 'completed', true);
  await openGate(ref, 'Wait');
  const result = await handle.result();
  assert.equal(result.steps[0]?.outcome, 'completed');
  assert.equal(result.steps[0]?.attempts, 1, 'waits are not failed attempts');
  assert.ok((result.steps[0]?.waits ?? 0) >= 2);
  assert.equal((await eventReasons(ref)).filter((r) => r === 'StepWaiting').length, 1, 'the waiting hook fires once');
});
