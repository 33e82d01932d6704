import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { Watch } from '@kubernetes/client-node';
import { mpdClusterApi, type MPDCluster } from '../../src/kube/mpdcluster';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { sampleCluster } from '../fixtures/sample-cluster';
import { kube, testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';

let ns: string;
let op: TestOperator;

before(async () => {
  ns = await testNamespace('progress');
  op = await startTestOperator(ns);
});
after(async () => op.stop());

/** The row `kubectl get mpd -o wide` prints: the API server's own Table of the object, column name → cell. */
async function printedRow(name: string): Promise<Record<string, unknown>> {
  const api = mpdClusterApi;
  const table = (await rawKubeRequest(
    kube().config,
    'GET',
    `/apis/${api.group}/${api.version}/namespaces/${ns}/${api.plural}/${name}`,
    undefined,
    undefined,
    10_000,
    'application/json;as=Table;v=v1;g=meta.k8s.io',
  )) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
  return Object.fromEntries(table.columnDefinitions.map((column, i) => [column.name, table.rows[0]!.cells[i]]));
}

test('a retried step shows its attempt and last error (one line, no HTTP dump) on status.workflow and in kubectl -o wide; success clears them', async () => {
  const ref = await createSampleCluster(ns, 'pc-retry');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.failAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  let row: Record<string, unknown> = {};
  await waitUntil(
    async () => {
      row = await printedRow('pc-retry');
      return Number(row.Attempt) >= 3;
    },
    { timeoutMs: 30_000, describe: () => `no attempt 3 printed: ${JSON.stringify(row)}` },
  );
  const workflow = (await clusters().get(ref)).status?.workflow;
  assert.equal(workflow?.step, 'RestartCluster');
  assert.equal(workflow?.stepIndex, 2);
  assert.equal(row.Step, 'RestartCluster');
  assert.equal(row['Last-Error'], 'test asked to fail at RestartCluster: Kubernetes API error 404 NotFound: pods "RestartCluster" not found');
  assert.doesNotMatch(String(workflow?.lastError), /HTTP-Code|Headers|\n/);
  await clusters().patch(ref, { metadata: { annotations: { [steer.failAt]: null } } });
  const done = await waitForState(ref, 'Running');
  assert.equal(done.status?.workflow?.attempt, undefined, 'a later write of the flow leaves no stale attempt');
  assert.equal(done.status?.workflow?.lastError, undefined);
});

test('a flow whose steps all succeed at once never writes an attempt', async () => {
  // The restart flow of a Running cluster: no step races another writer (a create's finalizer patch can meet the
  // controller's own write, a 409 that is retried: then attempt 2 is rightly written).
  const ref = await createSampleCluster(ns, 'pc-clean');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });
  const seen: Array<number | undefined> = [];
  let flowSeen = false;
  await waitUntil(
    async () => {
      const cluster = await clusters().get(ref);
      seen.push(cluster.status?.workflow?.attempt);
      flowSeen ||= cluster.status?.workflow?.flowName === 'OpRestart';
      return flowSeen && cluster.status?.clusterStatus === 'Running';
    },
    { timeoutMs: 60_000, describe: () => 'the restart never ended' },
  );
  assert.deepEqual(seen.filter((attempt) => attempt !== undefined), []);
});

/** A cluster created with these annotations already on it: no race with its first steps. */
async function createSteered(name: string, annotations: Record<string, string>) {
  const cluster = sampleCluster(ns, name, { followerNum: 0 });
  await clusters().create({ ...cluster, metadata: { ...cluster.metadata, annotations } });
  return { resourceType: 'MPDCluster', namespace: ns, name };
}

test('a cluster being created shows Creating in STATUS; after an interrupt, step i/n is the failed step', async () => {
  const held = await createSteered('pc-held', { [steer.holdAt]: 'CreatePods' });
  await waitUntil(async () => (await clusters().get(held)).status?.workflow?.step === 'CreatePods', { timeoutMs: 30_000, describe: () => 'pc-held never reached CreatePods' });
  assert.equal((await printedRow('pc-held')).Status, 'Creating');
  await clusters().patch(held, { metadata: { annotations: { [steer.holdAt]: null } } });

  const ref = await createSteered('pc-interrupted', { [steer.interruptAt]: 'CreatePods' });
  const interrupted = await waitForState(ref, 'Interrupt');
  assert.equal(interrupted.status?.workflow?.failedStep, 'CreatePods');
  assert.equal(interrupted.status?.workflow?.stepIndex, 2, 'CreatePods is step 2/4 of OpCreate');
  assert.equal(interrupted.status?.workflow?.stepTotal, 4);
});

test('a cluster whose spec the controller refused shows the refusal in STATUS, and its state again once fixed', async () => {
  const ref = await createSampleCluster(ns, 'pc-refused', { dbClusterType: 'local' });
  let row: Record<string, unknown> = {};
  await waitUntil(
    async () => {
      row = await printedRow('pc-refused');
      return row.Status === 'InvalidSpec';
    },
    { timeoutMs: 30_000, describe: () => `STATUS never showed the refusal: ${JSON.stringify(row)}` },
  );
  await clusters().patch(ref, { spec: { dbClusterType: 'share' } });
  await waitForState(ref, 'Running');
  await waitUntil(async () => (await printedRow('pc-refused')).Status === 'Running', { timeoutMs: 10_000, describe: () => 'STATUS still shows the refusal' });
  assert.equal((await clusters().get(ref)).status?.inputRefused, undefined);
});

test("a transition's own write shows its run's first step; that step writes no progress of its own (P4: a write less per operation)", async () => {
  const ref = await createSampleCluster(ns, 'pc-announced');
  await waitForState(ref, 'Running');
  // Every version of the cluster from here on, as the watch delivers each write.
  const versions: MPDCluster[] = [];
  const watch = await new Watch(kube().config).watch(
    `/apis/${mpdClusterApi.group}/${mpdClusterApi.version}/namespaces/${ns}/${mpdClusterApi.plural}`,
    { fieldSelector: 'metadata.name=pc-announced' },
    (_phase, cluster: MPDCluster) => versions.push(cluster),
    () => undefined,
  );
  try {
    const before = (await clusters().get(ref)).status?.transition?.workflowId;
    await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });
    await waitUntil(async () => versions.some((c) => c.status?.transition?.workflowId !== before && c.status?.clusterStatus === 'Running'), {
      timeoutMs: 60_000,
      describe: () => 'the restart never ended',
    });
    const ofRun = versions.filter((c) => c.status?.transition?.workflowId !== before);
    const recorded = ofRun[0]!.status!;
    assert.equal(recorded.workflow?.workflowId, recorded.transition?.workflowId, 'the transition write shows its own run');
    assert.equal(recorded.workflow?.stepIndex, 1);
    assert.equal(recorded.workflow?.phase, 'Running');
    assert.equal(recorded.transition?.previousRunPhase, 'Completed', 'what status.workflow said of the run before is kept');
    const firstStep = recorded.workflow?.step;
    const ownFirstStepWrites = ofRun.filter((c) => c.status?.workflow?.step === firstStep && c.status?.workflow?.runId);
    assert.deepEqual(ownFirstStepWrites.map((c) => c.metadata.resourceVersion), [], 'no progress write of the first step from the run itself');
    assert.ok(ofRun.some((c) => (c.status?.workflow?.stepIndex ?? 0) > 1 && c.status?.workflow?.runId), 'later steps write their progress, with the run id');
  } finally {
    watch.abort();
  }
});
