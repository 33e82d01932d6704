import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations, mpdFinalizer } from '../../src/kube/annotations';
import { testTriggers as triggerAnnotations } from '../fixtures/test-operator-steps';
import { steer } from '../fixtures/test-operator-steps';
import { checkerThrowsAnnotation } from '../fixtures/test-operator';
import { temporalClient, testNamespace } from '../helpers/stack';
import { eventReasons } from '../helpers/flows';
import { clusters, createSampleCluster, flowRuns, startTestOperator, transitionRuns, waitForState, type TestOperator, waitUntilGone } from '../helpers/operator';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('controller');
  op = await startTestOperator(ns);
});
after(async () => {
  await op.stop();
  await close();
});

/** Waits until the watchdog has enqueued every cluster `count` more times and the queue has drained. */
async function relistsProcessed(count: number): Promise<void> {
  const relists = async () => (await op.controller.metrics.relists.get()).values[0]?.value ?? 0;
  const target = (await relists()) + count;
  await waitUntil(async () => (await relists()) >= target && (await op.controller.metrics.queueDepth.get()).values[0]?.value === 0, {
    timeoutMs: 30_000,
    describe: () => `${count} relists processed`,
  });
}

test('a new cluster goes Init → Creating → Running through exactly one create flow', async () => {
  const ref = await createSampleCluster(ns, 'pc-create');
  const cluster = await waitForState(ref, 'Running');
  assert.ok(cluster.metadata.finalizers?.includes(mpdFinalizer), 'the create flow added the finalizer');
  assert.equal(cluster.status?.workflow?.flowName, 'OpCreate');
  await waitUntil(async () => (await flowRuns(client, ref)).every((r) => r.status === 'COMPLETED'), { timeoutMs: 10_000, describe: () => 'create run closed' });
  assert.deepEqual(await flowRuns(client, ref), [{ type: 'OpCreate', status: 'COMPLETED' }]);
});

test('annotation and spec triggers fire their transitions, and each flow returns the cluster to Running', async () => {
  const ref = await createSampleCluster(ns, 'pc-triggers');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
  await waitUntil(async () => (await flowRuns(client, ref)).some((r) => r.type === 'OpRestart' && r.status === 'COMPLETED'), {
    timeoutMs: 30_000,
    describe: () => 'restart flow ran',
  });
  await waitForState(ref, 'Running');
  assert.equal((await clusters().get(ref)).metadata.annotations?.[triggerAnnotations.restartCluster], undefined, 'the flow cleared its trigger');

  await clusters().patch(ref, { spec: { followerNum: 2 } });
  await waitUntil(async () => (await clusters().get(ref)).status?.followerNum === 2, { timeoutMs: 30_000, describe: () => 'followers synced' });
  await waitForState(ref, 'Running');
  const types = (await flowRuns(client, ref)).map((r) => r.type);
  assert.deepEqual(types, ['OpCreate', 'OpRestart', 'OpAddRo']);
});

test('when several triggers are set at once the seed priority decides: Rebuild, then RestartCluster, then AddRo', async () => {
  const ref = await createSampleCluster(ns, 'pc-priority');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, {
    metadata: { annotations: { [steer.holdAt]: 'RebuildPods', [triggerAnnotations.restartCluster]: 'true', [triggerAnnotations.forceRebuild]: 'true' } },
    spec: { followerNum: 1 },
  });
  await waitForState(ref, 'Rebuild');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  await waitUntil(async () => (await flowRuns(client, ref)).filter((r) => r.status === 'COMPLETED').length >= 3, {
    timeoutMs: 60_000,
    describe: () => 'rebuild, then add-ro, completed',
  });
  await waitForState(ref, 'Running');
  // Rebuild's CleanAllTempMeta also cleared restartCluster, as the seed's does; AddRo (a spec trigger) still fires.
  assert.deepEqual((await flowRuns(client, ref)).map((r) => r.type), ['OpCreate', 'OpRebuild', 'OpAddRo']);
});

test('an interrupted flow is recovered by interrupt.recover and resumes at its failed step', async () => {
  const ref = await createSampleCluster(ns, 'pc-recover');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' } } });
  const interrupted = await waitForState(ref, 'Interrupt');
  assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.reason], 'POD_LOST');
  assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.previousStatus], 'RestartCluster');
  assert.equal(interrupted.status?.workflow?.failedStep, 'RestartCluster');

  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: null, [interruptAnnotations.recover]: 'T' } } });
  await waitForState(ref, 'Running');
  await waitUntil(async () => (await transitionRuns(client, ref)).at(-1)?.status === 'COMPLETED', { timeoutMs: 15_000, describe: () => 'the resumed run closed' });
  const recovered = await clusters().get(ref);
  for (const key of Object.values(interruptAnnotations)) assert.equal(recovered.metadata.annotations?.[key], undefined, `${key} cleared`);
  assert.match(recovered.status?.transition?.workflowId ?? '', /\/t2-r1$/, 'the resumed run is the transition\'s first resume');
  const last = await client.workflow.getHandle(recovered.status!.transition!.workflowId).query<{ steps: Array<{ stepName: string; outcome: string }> }>('progress');
  assert.deepEqual(
    last.steps.map((s) => `${s.stepName}:${s.outcome}`),
    ['DisableHA:skipped', 'RestartCluster:completed', 'CleanAllTempMeta:completed', 'UpdateRunningStatus:completed'],
  );
});

test('the cancelled annotation cancels the running flow at once; recovery clears it', async () => {
  const ref = await createSampleCluster(ns, 'pc-cancel');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'holding' });
  await clusters().patch(ref, { metadata: { annotations: { cancelled: 'true' } } });
  const cancelled = await waitForState(ref, 'Interrupt', 15_000);
  assert.equal(cancelled.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null, [interruptAnnotations.recover]: 'T' } } });
  await waitForState(ref, 'Running');
  assert.equal((await clusters().get(ref)).metadata.annotations?.cancelled, undefined);
});

test('an unknown state, an invalid spec and a throwing checker are reported on the cluster, not retried hot', async () => {
  const unknown = await createSampleCluster(ns, 'pc-unknown');
  await waitForState(unknown, 'Running');
  await clusters().patchStatus(unknown, { clusterStatus: 'Sideways' });
  await waitUntil(async () => (await clusters().get(unknown)).status?.conditions?.some((c) => c.reason === 'UnknownState') ?? false, {
    timeoutMs: 15_000,
    describe: () => 'UnknownState condition',
  });
  const condition = (await clusters().get(unknown)).status?.conditions?.find((c) => c.type === 'InputValid');
  assert.match(condition?.message ?? '', /status\.clusterStatus "Sideways" is not a state of this operator; known: Running, Interrupt, Init/);
  await relistsProcessed(2);
  assert.equal((await eventReasons(unknown)).filter((r) => r === 'UnknownState').length, 1, 'reported once, not in a loop');

  const local = await createSampleCluster(ns, 'pc-local', { dbClusterType: 'local' });
  await waitUntil(async () => (await clusters().get(local)).status?.conditions?.some((c) => c.reason === 'InvalidSpec') ?? false, {
    timeoutMs: 15_000,
    describe: () => 'InvalidSpec condition',
  });
  assert.equal((await clusters().get(local)).status?.clusterStatus, undefined, 'nothing started on a bad spec');

  const broken = await createSampleCluster(ns, 'pc-checker');
  await waitForState(broken, 'Running');
  await clusters().patch(broken, { metadata: { annotations: { [checkerThrowsAnnotation]: 'yes' } } });
  await waitUntil(async () => (await clusters().get(broken)).status?.conditions?.some((c) => c.reason === 'CheckerFailed') ?? false, {
    timeoutMs: 15_000,
    describe: () => 'CheckerFailed condition',
  });
  assert.match(
    (await clusters().get(broken)).status?.conditions?.find((c) => c.reason === 'CheckerFailed')?.message ?? '',
    /transition check failed: this checker is broken on purpose/,
  );
  await relistsProcessed(2);
  assert.equal((await eventReasons(broken)).filter((r) => r === 'CheckerFailed').length, 1, 'reported once while it keeps failing');
});

test('deleting a cluster runs the release flow, then removes the finalizer', async () => {
  const ref = await createSampleCluster(ns, 'pc-delete');
  await waitForState(ref, 'Running');
  await clusters().delete(ref);
  await waitUntilGone(ref, 30_000);
  const types = (await flowRuns(client, ref)).map((r) => r.type);
  assert.equal(types.at(-1), 'OpRelease');
});

test('the controller serves /healthz, /readyz and Prometheus /metrics with its transitions', async () => {
  const base = `http://127.0.0.1:${op.controller.opsPort}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /mpdflow_transitions_total\{from="Running",to="RestartCluster"\} \d+/);
  assert.match(metrics, /mpdflow_workflows_started_total\{flow="OpCreate"\} \d+/);
  assert.match(metrics, /mpdflow_reconcile_duration_seconds_count\{outcome="ok"\} \d+/);
  assert.match(metrics, /mpdflow_queue_depth \d+/);
  assert.match(metrics, /mpdflow_informer_restarts_total \d+/);
});
