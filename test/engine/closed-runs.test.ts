/** Runs that close without their own bookkeeping still interrupt; a resumed run carries the outputs (issue 9, items 4-5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { FlowRuns } from '../../src/temporal/flow-runs';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { testNamespace } from '../helpers/stack';
import { createCluster, executionCounts, getCluster, onlyExecution, openGate, runFlow, useEngineWorker } from '../helpers/flows';

const env = useEngineWorker('closed-runs');

test('a Temporal cancel during a wait interrupts the flow with CANCELLED at the waiting step', async () => {
  const ns = await testNamespace('cancel-wait');
  const ref = await createCluster(ns, 'pc-cancel-wait', 'RestartCluster');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestWaiting', resource: ref, state: 'RestartCluster' });
  await waitUntil(async () => (await handle.query<{ steps: Array<{ waits?: number }> }>('progress')).steps[0]?.waits !== undefined, {
    timeoutMs: 20_000,
    describe: () => 'the step is waiting',
  });
  await handle.cancel();
  await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure);
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.previousStatus], 'RestartCluster');
  assert.equal(cluster.status?.workflow?.failedStep, 'Wait');
});

test('an interrupted run hands its outputs on: the resumed run sees the skipped steps\' outputs', async () => {
  const ns = await testNamespace('carried');
  const ref = await createCluster(ns, 'pc-carried', 'RestartCluster');
  const first = await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'RestartCluster', params: { fromEvent: 'yes' } });
  await assert.rejects(first.result());
  const outputs = await new FlowRuns(env.client, env.taskQueue).interruptOutputs(first.workflowId);
  assert.deepEqual(outputs, { fromEvent: 'yes', One: 'done', last: 'One' });

  await openGate(ref, 'Two');
  const resumed = await runFlow(env.client, env.taskQueue, {
    flowName: 'TestInterrupt',
    resource: ref,
    state: 'RestartCluster',
    params: { fromEvent: 'yes' },
    workflowId: `${first.workflowId}-r1`,
    resumeFrom: 'Two',
    carriedOutputs: outputs,
  });
  await resumed.result();
  assert.deepEqual(await executionCounts(ref), { One: 1, Three: 1, Two: 1 }, 'step One ran in the first run only');
  const three = await onlyExecution(ref, 'Three');
  assert.deepEqual(JSON.parse(three.values!), { fromEvent: 'yes', One: 'done', last: 'One' }, 'step One ran only in the first run, yet its output reached step Three');
});
