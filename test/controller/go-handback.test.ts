/**
 * A cutover rolled back and done again: a cluster mpdflow ran goes back to the Go operator (its typed status update drops
 * mpdflow's `status.transition`), runs there, and is handed to mpdflow once more. Its runs must get new workflow ids,
 * never the ids of the runs mpdflow had already made for it, and a Go flow it was in is taken over again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { mementoMarks } from '../../src/kube/memento-configmap';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { testTriggers } from '../fixtures/test-operator-steps';
import { midStepRestart } from '../fixtures/go-mementos';
import { executedSteps } from '../helpers/step-executions';
import { clusters, createSampleCluster, startTestOperator, transitionRuns, waitForState, type TestOperator } from '../helpers/operator';
import { kube, temporalClient, testNamespace } from '../helpers/stack';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator | undefined;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('go-handback');
  op = await startTestOperator(ns, { operatorName: 'polar-mpd' });
});
after(async () => {
  await op?.stop();
  await close();
});

/** Created and run by mpdflow, then given back to the Go operator, which rewrites its status with only the fields it knows. */
async function handedBackToGo(name: string, state: string): Promise<MPDCluster> {
  const ref = { namespace: ns, name };
  await createSampleCluster(ns, name, { operatorName: 'polar-mpd' });
  await waitForState(ref, 'Running', 60_000);
  return givenToGo(ref, state);
}

async function givenToGo(ref: { namespace: string; name: string }, state: string): Promise<MPDCluster> {
  // Quiet first: Running is written a moment before the run closes.
  await waitUntil(async () => (await transitionRuns(client, ref)).every((r) => r.status !== 'RUNNING'), { timeoutMs: 30_000, describe: () => 'a run never closed' });
  await clusters().patch(ref, { spec: { operatorName: 'go-engine' } });
  await clusters().patchStatus(ref, { clusterStatus: state, transition: null, workflow: null } as never);
  const cluster = await clusters().get(ref);
  assert.equal(cluster.status?.transition, undefined, "the Go operator's update left no transition");
  return cluster;
}

/** The Go engine begins a restart (its second step running) under key `<id>-OpRestart`, then mpdflow gets the cluster back. */
async function goRestartThenBack(ref: { namespace: string; name: string }, cluster: MPDCluster, id: number): Promise<MPDCluster> {
  await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });
  const entry = JSON.parse(midStepRestart(ref.name, ns)['2-OpRestart']!) as { initContext: Record<string, unknown> };
  entry.initContext._flowSaveNumberKey = `${id}-OpRestart`;
  const data = { ...(id === 2 ? midStepRestart(ref.name, ns) : {}), [`${id}-OpRestart`]: JSON.stringify(entry) };
  const memento = { namespace: ns, name: `${ref.name}-workflow` };
  if (id === 2) {
    const owner = { apiVersion: cluster.apiVersion, kind: cluster.kind, name: ref.name, uid: cluster.metadata.uid!, controller: true };
    await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { ...memento, ownerReferences: [owner] }, data } });
  } else await kube().core.patchNamespacedConfigMap({ ...memento, body: { data } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await clusters().patch(ref, { spec: { operatorName: 'polar-mpd' } });
  await waitUntil(async () => (await kube().core.readNamespacedConfigMap(memento)).metadata?.annotations?.[mementoMarks.through] === String(id), {
    timeoutMs: 30_000,
    describe: () => `memento key ${id} was never taken over`,
  });
  return waitForState(ref, 'Running', 60_000);
}

const ranFor = async (ref: { namespace: string; name: string }) => (await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`);

test('handed back in the middle of a Go flow: the flow resumes once, under a new run id', async () => {
  const ref = { namespace: ns, name: 'pc-back-midflow' };
  const after = await goRestartThenBack(ref, await handedBackToGo(ref.name, 'RestartCluster'), 2);
  const transition = after.status!.transition!;
  assert.equal(transition.event, 'GoEngineMemento');
  assert.ok(transition.id > 1, `a new transition id after the create's t1: ${transition.id}`);
  assert.deepEqual((await executedSteps(client, transition.workflowId)).map((s) => s.stepName), ['RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus']);
  assert.equal(after.metadata.annotations?.[testTriggers.restartCluster], undefined, 'the request the Go flow consumed is removed');
  await waitUntil(async () => (await transitionRuns(client, ref)).every((r) => r.status !== 'RUNNING'), { timeoutMs: 30_000, describe: () => 'runs still open' });
  assert.deepEqual(await ranFor(ref), ['t1 OpCreate COMPLETED', `t${transition.id} OpRestart COMPLETED`]);
});

test('handed back twice: the key the Go engine added to a memento taken over before is taken over too', async () => {
  const ref = { namespace: ns, name: 'pc-back-twice' };
  await goRestartThenBack(ref, await handedBackToGo(ref.name, 'RestartCluster'), 2);
  const after = await goRestartThenBack(ref, await givenToGo(ref, 'RestartCluster'), 3);
  const transition = after.status!.transition!;
  assert.equal(transition.event, 'GoEngineMemento');
  assert.deepEqual((await executedSteps(client, transition.workflowId)).map((s) => s.stepName), ['RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus']);
  await waitUntil(async () => (await transitionRuns(client, ref)).every((r) => r.status !== 'RUNNING'), { timeoutMs: 30_000, describe: () => 'runs still open' });
  assert.deepEqual(await ranFor(ref), ['t1 OpCreate COMPLETED', 't2 OpRestart COMPLETED', 't3 OpRestart COMPLETED']);
});

test('handed back at rest: the next request runs under a new run id, not the create run of the same cluster', async () => {
  const ref = { namespace: ns, name: 'pc-back-rest' };
  await handedBackToGo(ref.name, 'Running');
  await clusters().patch(ref, { spec: { operatorName: 'polar-mpd' } });
  await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });

  let cluster: MPDCluster | undefined;
  await waitUntil(
    async () => {
      cluster = await clusters().get(ref);
      return cluster.status?.transition?.flowName === 'OpRestart' && cluster.status.clusterStatus === 'Running' && !cluster.metadata.annotations?.[testTriggers.restartCluster];
    },
    { timeoutMs: 60_000, describe: () => `the restart never ran: ${JSON.stringify(cluster?.status?.transition)} ${cluster?.status?.clusterStatus}` },
  );
  const transition = cluster!.status!.transition!;
  assert.ok(transition.id > 1, `a new transition id after the create's t1: ${transition.id}`);
  assert.deepEqual((await executedSteps(client, transition.workflowId)).map((s) => s.stepName), ['DisableHA', 'RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus']);
  // One transition for one request: none that took the create's finished run for its own and "completed" at once.
  const restarts = (await op!.controller.metrics.transitions.get()).values.filter((v) => v.labels.from === 'Running' && v.labels.to === 'RestartCluster');
  assert.deepEqual(restarts.map((v) => v.value), [1]);
});
