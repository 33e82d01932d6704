import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { interruptAnnotations } from '../../src/kube/annotations';
import type { ResourceRef } from '../../src/contract/flow-run';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { loadOperator } from '../../src/operator-api/load-operator';
import { hookCallLabel } from '../fixtures/failing-hooks';
import { bounded, waitFor } from '../helpers/bounded';
import { createCluster, eventReasons, executionCounts, getCluster, openGate, runFlow, testFlowsDir } from '../helpers/flows';
import { kube, temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';

const failingHooksModule = fileURLToPath(new URL('../fixtures/failing-hooks.ts', import.meta.url));
const taskQueue = testTaskQueue('failing-hooks');
let client: Client;
let close: () => Promise<void>;
let worker: RunningWorker;

before(async () => {
  ({ client, close } = await temporalClient());
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  worker = await startWorker({ config, operator: await loadOperator(failingHooksModule, { flowsDir: testFlowsDir }) });
});
after(async () => {
  await worker?.shutdown();
  await close?.();
});

/** How often each hook point was called for a cluster (every call threw). */
async function hookCalls(ref: ResourceRef): Promise<Record<string, number>> {
  const list = await kube().core.listNamespacedConfigMap({ namespace: ref.namespace, labelSelector: `${hookCallLabel}=${ref.name}` });
  const counts: Record<string, number> = {};
  for (const cm of list.items) counts[cm.data!.point!] = (counts[cm.data!.point!] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

test('hooks that throw at every point never break a flow: it completes, each hook called once per point, nothing retried', async () => {
  const ref = await createCluster(await testNamespace('failing-hooks'), 'pc-hooks');
  const handle = await runFlow(client, taskQueue, { flowName: 'TestRecord', resource: ref, state: 'Creating' });
  const result = await bounded('TestRecord to complete under failing hooks', handle.result());
  assert.deepEqual(result.steps.map((s) => `${s.stepName}:${s.outcome}:${s.attempts}`), ['One:completed:1', 'Two:completed:1', 'Three:completed:1', 'Four:completed:1']);
  assert.deepEqual(await executionCounts(ref), { Four: 1, One: 1, Three: 1, Two: 1 });
  // Exactly once each: a hook failure that failed its activity would show up as a retry, calling the hook again.
  assert.deepEqual(await hookCalls(ref), { onFlowCompleted: 1, onFlowStart: 1, onStepCompleted: 4, onStepStart: 4 });
  assert.equal((await getCluster(ref)).status?.workflow?.phase, 'Completed');
  // The default hooks (Kubernetes Events) still ran beside the failing ones.
  await waitFor('the FlowCompleted Event', async () => (await eventReasons(ref)).includes('FlowCompleted'), 10_000);
});

test('a throwing onStepWaiting and onFlowInterrupted leave the wait and the interrupt as they would be', async () => {
  const ns = await testNamespace('failing-hooks-int');
  const waiting = await createCluster(ns, 'pc-hooks-wait');
  const waitRun = await runFlow(client, taskQueue, { flowName: 'TestWaiting', resource: waiting, state: 'Creating' });
  await waitFor('the waiting hook was called', async () => (await hookCalls(waiting)).onStepWaiting === 1);
  await openGate(waiting, 'Wait');
  const done = await bounded('TestWaiting to complete', waitRun.result());
  assert.equal(done.steps[0]?.attempts, 1, 'the failing waiting hook did not turn the wait into a failed attempt');
  assert.equal((await hookCalls(waiting)).onStepWaiting, 1);

  const interrupted = await createCluster(ns, 'pc-hooks-int');
  const intRun = await runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: interrupted, state: 'Creating' });
  const ended = await bounded('TestInterrupt to end', intRun.result().then(() => undefined, (error: unknown) => error));
  assert.ok(ended instanceof WorkflowFailedError, `the run should have failed, got ${String(ended)}`);
  assert.match(String(ended.cause?.message), /POD_LOST/);
  const cluster = await getCluster(interrupted);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'POD_LOST');
  assert.equal((await hookCalls(interrupted)).onFlowInterrupted, 1, 'called once: its failure did not retry the bookkeeping');
});
