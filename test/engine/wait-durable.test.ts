import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { cancelSignal, progressQuery } from '../../src/contract/flow-run';
import { interruptAnnotations } from '../../src/kube/annotations';
import { bounded, waitFor } from '../helpers/bounded';
import { createCluster, executionCounts, getCluster, openGate, runFlow, startTestWorker, useEngineWorker } from '../helpers/flows';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';

const env = useEngineWorker('wait');

const isWaiting = async (handle: WorkflowHandle) => (await handle.query(progressQuery)).phase === 'waiting';
const timerFired = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).some((e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_FIRED);

test('a wait survives a worker restart: its durable timer fires with no worker, a new worker goes on from there', async () => {
  const taskQueue = testTaskQueue('wait-restart');
  const { client, close } = await temporalClient();
  const ref = await createCluster(await testNamespace('wait-restart'), 'pc-wait');
  let worker = await startTestWorker(taskQueue);
  try {
    const handle = await runFlow(client, taskQueue, { flowName: 'TestWaiting', resource: ref, params: { waitMs: 2_000 }, state: 'Creating' });
    await waitFor('the step to wait', () => isWaiting(handle));
    await worker.shutdown();
    // The server keeps the timer while no worker runs, and records when it fires.
    await waitFor('the wait timer to fire with no worker running', () => timerFired(handle), 30_000);
    await openGate(ref, 'Wait');
    worker = await startTestWorker(taskQueue);
    const result = await bounded('the flow to finish on the new worker', handle.result());
    assert.deepEqual(result.steps.map((s) => s.outcome), ['completed', 'completed']);
    assert.equal(result.steps[0]?.attempts, 1, 'the wait was not a failed attempt');
    assert.deepEqual(await executionCounts(ref), { After: 1, Wait: 1 });
  } finally {
    await worker.shutdown();
    await close();
  }
});

test('a cancel during a wait interrupts at once with CANCELLED, cutting the timer short', async () => {
  const ref = await createCluster(await testNamespace('wait-cancel'), 'pc-wait-cancel');
  // A ten-minute wait: only the cancel can end it within the bound below.
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestWaiting', resource: ref, params: { waitMs: 600_000 }, state: 'Creating' });
  await waitFor('the step to wait', () => isWaiting(handle));
  await handle.signal(cancelSignal, 'cancelled during the wait');
  const ended = await bounded('the run to end after the cancel', handle.result().then(() => undefined, (error: unknown) => error), 60_000);
  assert.ok(ended instanceof WorkflowFailedError, `the run should have failed, got ${String(ended)}`);
  assert.match(String(ended.cause?.message), /^CANCELLED: flow cancelled: cancelled during the wait/);
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  assert.equal(cluster.status?.workflow?.failedStep, 'Wait');
  assert.deepEqual(await executionCounts(ref), {}, 'neither the waiting step nor the next one completed');
});
