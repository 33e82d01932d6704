/**
 * Item 7: the shared steps under resume and bad ids, on the real flows, steps and servers. Faults are the API server
 * refusing one write (support/admission-fault.ts): the run interrupts at once (API_REFUSED) and its resumed run meets
 * exactly the state the first one left.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { progressQuery, transitionWorkflowId, type FlowWorkflow, type ResourceRef } from '../../src/contract/flow-run';
import { InterruptError } from '../../src/flows/step';
import { waitCaughtUp } from '../../activities/shared/ha-manager';
import { stepAttempt } from '../helpers/step-context';
import { waitUntil } from '../../src/infra/wait';
import { apiStatus } from '../../src/kube/client';
import { mpdClusterApi } from '../../src/kube/mpdcluster';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { engineQuery, postmasterStart } from '../helpers/engine';
import { engineSecretValue } from '../helpers/database';
import { patroni } from '../../activities/shared/patroni';
import { credentialKeys, engineRoles, labels } from '../../activities/shared/names';
import { refuse } from './support/admission-fault';
import { haManagerPid } from '../helpers/engine-process';
import { execInPod } from '../helpers/real-node';
import { startTransitionRunner, type TransitionRunner } from './support/transition-runs';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let runner: TransitionRunner;
before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('steps');
  runner = await startTransitionRunner(client, 'steps');
});
after(async () => {
  await runner.stop();
  await releaseTestNamespace(ns);
  await close();
});

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A cluster created by its Create flow (transition 1), Running with one RW and `followerNum` ROs. */
async function runningCluster(name: string, followerNum: number): Promise<{ ref: ResourceRef; uid: string }> {
  const created = await clusters().create(sampleCluster(ns, name, { followerNum }));
  const ref: ResourceRef = { resourceType: 'MPDCluster', namespace: ns, name };
  await clusters().patchStatus(ref, { clusterStatus: 'Creating' });
  await (await runner.run(ref, created.metadata.uid!, 'CreateSharedStorageCluster', { transition: 1, state: 'Creating' })).result();
  return { ref, uid: created.metadata.uid! };
}

/** Each instance's postmaster start time (a restart is a new postmaster, in the same pod). */
async function engineStarts(ref: ResourceRef): Promise<Map<string, string>> {
  const list = await kube().core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `mpd.polardb.aliyun.com/cluster=${ref.name},mpd.polardb.aliyun.com/ins-id` });
  return new Map(await Promise.all(list.items.map(async (p) => [p.metadata!.labels!['mpd.polardb.aliyun.com/ins-id']!, await postmasterStart(ref.namespace, p.metadata!.name!)] as const)));
}


test('RestartIns with an id that names no instance interrupts before anything is created', { timeout: 600_000 }, async () => {
  const { ref, uid } = await runningCluster('pc-ghost', 1);
  const handle = await runner.run(ref, uid, 'SharedStorageClusterRestartIns', { transition: 2, state: 'RestartIns', params: { insId: 'ins-99' } });
  await assert.rejects(handle.result(), 'the flow must not succeed');
  const cluster = await clusters().get(ref);
  assert.equal(cluster.metadata.annotations?.['interrupt.reason'], 'INS_NOT_FOUND');
  assert.match(cluster.metadata.annotations?.['interrupt.message'] ?? '', /instance "ins-99" is not part of cluster pc-ghost \(it has ins-1, ins-2\)/);
  assert.deepEqual(Object.keys(cluster.status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-2'], 'no phantom instance');
  const ghost = await kube().core.readNamespacedPod({ namespace: ns, name: 'pc-ghost-ins-99' }).catch((e: unknown) => (apiStatus(e) === 404 ? undefined : Promise.reject(e)));
  assert.equal(ghost, undefined, 'no pod for ins-99');
});

test('RestartCluster interrupted midway: the resumed run of the same transition restarts only the engines not yet done; a new transition restarts all', { timeout: 600_000 }, async () => {
  const { ref, uid } = await runningCluster('pc-restart', 1);
  const initial = await engineStarts(ref);
  // The standby (ins-2) restarts first; the worker's mark on the writer's pod (ins-1, restarted last) is refused, so
  // the step fails between the two: a refusal interrupts at once. The HA manager's own writes to the pod go through.
  const fault = await refuse({
    name: `pod-${ns}`,
    namespace: ns,
    apiGroup: '',
    resource: 'pods',
    operations: ['UPDATE'],
    refuseWhen: "object.metadata.name == 'pc-restart-ins-1' && !request.userInfo.username.startsWith('system:serviceaccount:')",
    probe: () =>
      kube().core.patchNamespacedPod({ namespace: ns, name: 'pc-restart-ins-1', body: { metadata: { annotations: { probe: 'x' } } }, dryRun: 'All' }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
  });
  try {
    const interrupted = await runner.run(ref, uid, 'SharedStorageClusterRestartCluster', { transition: 2, state: 'RestartCluster' });
    await assert.rejects(interrupted.result());
    assert.equal((await clusters().get(ref)).metadata.annotations?.['interrupt.reason'], 'API_REFUSED');
  } finally {
    await fault.lift();
  }
  const midway = await engineStarts(ref);
  assert.notEqual(midway.get('ins-2'), initial.get('ins-2'), 'ins-2 (the standby) was restarted before the interruption');
  assert.equal(midway.get('ins-1'), initial.get('ins-1'), 'ins-1 (the writer) not yet');
  // Recovery resumes the same transition: a new run (`-r1`) from the failed step.
  await (await runner.run(ref, uid, 'SharedStorageClusterRestartCluster', { transition: 2, resumes: 1, state: 'RestartCluster', resumeFrom: 'RestartCluster' })).result();
  const resumed = await engineStarts(ref);
  assert.equal(resumed.get('ins-2'), midway.get('ins-2'), 'ins-2 not restarted a second time');
  assert.notEqual(resumed.get('ins-1'), midway.get('ins-1'), 'ins-1 restarted by the resumed run');
  await (await runner.run(ref, uid, 'SharedStorageClusterRestartCluster', { transition: 3, state: 'RestartCluster' })).result();
  const again = await engineStarts(ref);
  for (const [id, started] of resumed) assert.notEqual(again.get(id), started, `${id} restarted by the next transition`);
});

test('FlushParams: when marking the restart is refused, the run interrupts; its resumed run still marks it and the cluster restarts', { timeout: 600_000 }, async () => {
  const { ref, uid } = await runningCluster('pc-flush', 0);
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pc-flush-user-params' }, data: { shared_buffers: '32MB', updateTime: 't1' } } });
  const before = await engineStarts(ref);
  const mark = "has(object.metadata.annotations) && 'flushParamsRestartCluster' in object.metadata.annotations";
  const fault = await refuse({
    name: `mark-${ns}`,
    namespace: ns,
    apiGroup: mpdClusterApi.group,
    resource: mpdClusterApi.plural,
    refuseWhen: `object.metadata.name == 'pc-flush' && ${mark} && !(${mark.replaceAll('object.', 'oldObject.')})`,
    probe: () => kube().custom.patchNamespacedCustomObject(
      { group: mpdClusterApi.group, version: mpdClusterApi.version, plural: mpdClusterApi.plural, namespace: ns, name: 'pc-flush', body: { metadata: { annotations: { flushParamsRestartCluster: 'true' } } }, dryRun: 'All' },
      mergePatch,
    ),
  });
  let handle: WorkflowHandle<FlowWorkflow> | undefined;
  try {
    handle = await runner.run(ref, uid, 'SharedStorageClusterFlushParams', { transition: 2, state: 'FlushParams' });
    await assert.rejects(handle.result());
    assert.equal((await clusters().get(ref)).metadata.annotations?.['interrupt.reason'], 'API_REFUSED', 'the refusal interrupted FlushParams at once');
  } finally {
    await fault.lift();
  }
  // Recovery: the same transition resumed at the refused step.
  await (await runner.run(ref, uid, 'SharedStorageClusterFlushParams', { transition: 2, resumes: 1, state: 'FlushParams', resumeFrom: 'FlushParams' })).result();
  assert.equal((await kube().core.readNamespacedConfigMap({ namespace: ns, name: 'pc-flush-params-applied' })).data?.shared_buffers, '32MB');
  const after = await engineStarts(ref);
  for (const [id, started] of before) assert.notEqual(after.get(id), started, `${id} restarted for shared_buffers`);
});

/**
 * A Running cluster whose HA manager handed the lock to ins-2 while its status still names ins-1. No controller runs
 * here, so nothing else records it, as when a failover happens while a flow's pod start runs with failover resumed.
 */
async function promotedBehindStatus(name: string): Promise<{ ref: ResourceRef; uid: string }> {
  const { ref, uid } = await runningCluster(name, 1);
  const pod = (podName: string) => kube().core.readNamespacedPod({ namespace: ns, name: podName });
  const credentials = { username: 'patroni', password: await engineSecretValue(ns, name, credentialKeys.api) };
  await patroni.switchover(await pod(`${name}-ins-1`), credentials, `${name}-ins-1`, `${name}-ins-2`);
  await waitUntil(async () => (await pod(`${name}-ins-2`)).metadata?.labels?.[labels.role] === engineRoles.leader, { timeoutMs: 60_000, describe: () => 'ins-2 never led' });
  assert.equal((await clusters().get(ref)).status?.leaderInstanceId, 'ins-1', 'setup: the status still names the old writer');
  return { ref, uid };
}

/** The flow completed over the elected writer: the status names ins-2, and ins-1 follows it as a standby. */
async function assertFollowsElected(ref: ResourceRef): Promise<void> {
  const status = (await clusters().get(ref)).status;
  assert.equal(status?.clusterStatus, 'Running', `the flow completes (${JSON.stringify(status?.workflow ?? {})})`);
  assert.equal(status?.leaderInstanceId, 'ins-2', 'the status names the writer the HA manager elected');
  assert.deepEqual([status?.dbInstanceStatus?.['ins-2']?.insType, status?.dbInstanceStatus?.['ins-1']?.insType], ['rw', 'ro']);
  assert.equal(await engineQuery(ns, `${ref.name}-ins-1`, 'select pg_is_in_recovery()'), 't', 'the old writer follows as a standby');
}

test('EnsureNewRoUpToDate after the HA manager elected another writer mid-flow: the status follows the elected writer and the flow completes', { timeout: 600_000 }, async () => {
  // Found by the fault soak: a standby that never "caught up".
  const { ref, uid } = await promotedBehindStatus('pc-elected');
  // A wait for a standby the HA manager has promoted ends at once, for the step's retry to follow it (the soak's
  // pc-16 waited 180 s for its new writer to catch up with itself, then interrupted with RO_NOT_UP_TO_DATE).
  const { ctx } = stepAttempt(ref, { workflowId: transitionWorkflowId(ref, uid, 2), flowName: 'SharedStorageClusterModifyClass', stepName: 'EnsureNewRoUpToDate', state: 'ModifyClass' });
  await assert.rejects(waitCaughtUp(ctx, ['ins-2'], 20_000), (error: Error) => !(error instanceof InterruptError) && /ins-2 became the RW/.test(error.message));
  await (await runner.run(ref, uid, 'SharedStorageClusterModifyClass', { transition: 2, state: 'ModifyClass', resumeFrom: 'EnsureNewRoUpToDate' })).result();
  await assertFollowsElected(ref);
});

test('CreateRoPods after the HA manager promoted the standby it starts: the status follows the new writer and the create completes', { timeout: 600_000 }, async () => {
  // As in the 25-cluster soak of 2026-12-08 (pc-7, pc-17, pc-25): the writer lost its lock while a create's standby
  // started with failover on, and each of 11 attempts found the same promoted standby and failed (MANY_RETRY).
  const { ref, uid } = await promotedBehindStatus('pc-promoted');
  await (await runner.run(ref, uid, 'CreateSharedStorageCluster', { transition: 1, resumes: 1, state: 'Creating', resumeFrom: 'CreateRoPods' })).result();
  await assertFollowsElected(ref);
});

test('a synchronous standby gone while the HA manager had not recorded it: the next flow does not report Running while commits wait for it', { timeout: 600_000 }, async () => {
  const { ref, uid } = await runningCluster('pc-syncgone', 1);
  const [writer, standby] = ['pc-syncgone-ins-1', 'pc-syncgone-ins-2'];
  const told = () => engineQuery(ns, writer, 'show synchronous_standby_names');
  const syncStore = 'pc-syncgone-rw-sync';
  await waitUntil(async () => (await told()).includes(standby), { timeoutMs: 60_000, describe: () => `${standby} never became synchronous` });
  // The soak's race, made on purpose: the HA manager (frozen) has nothing recorded while PostgreSQL waits for the
  // standby, and the standby goes. Thawed, Patroni 3.0.2 compares its record (empty) with its pick (empty): no action.
  const haPid = Number(await haManagerPid(ns, writer));
  process.kill(haPid, 'SIGSTOP');
  try {
    await kube().core.patchNamespacedEndpoints({ namespace: ns, name: syncStore, body: { metadata: { annotations: { sync_standby: '' } } } }, mergePatch);
    await kube().core.deleteNamespacedPod({ namespace: ns, name: standby, gracePeriodSeconds: 0 });
    await waitUntil(async () => !(await kube().core.readNamespacedPod({ namespace: ns, name: standby }).catch(() => undefined)), { timeoutMs: 60_000, describe: () => `${standby} never went` });
  } finally {
    process.kill(haPid, 'SIGCONT');
  }
  assert.match(await told(), new RegExp(standby), 'setup: the writer still waits for the standby that is gone');
  await (await runner.run(ref, uid, 'SharedStorageClusterFlushParams', { transition: 2, state: 'FlushParams' })).result();
  assert.doesNotMatch(await told(), new RegExp(standby), 'the flow reported Running while every commit waits for a standby that is gone');
  // A commit is acknowledged (psql waits for it; `timeout` ends one that waits for the gone standby).
  assert.equal((await execInPod(kube(), ns, writer, 'engine', ['timeout', '10', 'psql', '-U', 'postgres', '-tAc', 'create table after_flow(x int)'])).trim(), 'CREATE TABLE');
});

test('RemoveRo: when the topology write is refused, the run interrupts; its resumed run (instance already gone) still updates the cluster manager', async () => {
  const { ref, uid } = await runningCluster('pc-remove', 1);
  const topology = 'pc-remove-cm-config';
  assert.equal((await kube().core.readNamespacedConfigMap({ namespace: ns, name: topology })).data?.ro, 'ins-2');
  await clusters().patch(ref, { metadata: { annotations: { removeIns: 'ins-2' } }, spec: { followerNum: 0 } });
  const fault = await refuse({
    name: `topology-${ns}`,
    namespace: ns,
    apiGroup: '',
    resource: 'configmaps',
    refuseWhen: `object.metadata.name == '${topology}' && object.data.ro != oldObject.data.ro`,
    probe: () => kube().core.patchNamespacedConfigMap({ namespace: ns, name: topology, body: { data: { ro: 'probe' } }, dryRun: 'All' }, mergePatch),
  });
  let handle: WorkflowHandle<FlowWorkflow> | undefined;
  try {
    handle = await runner.run(ref, uid, 'SharedStorageClusterRemoveRo', { transition: 2, state: 'RemoveRo', trigger: { removeIns: 'ins-2' } });
    await assert.rejects(handle.result());
    assert.equal((await clusters().get(ref)).metadata.annotations?.['interrupt.reason'], 'API_REFUSED', 'the refusal interrupted RemoveRo at once');
  } finally {
    await fault.lift();
  }
  await (await runner.run(ref, uid, 'SharedStorageClusterRemoveRo', { transition: 2, resumes: 1, state: 'RemoveRo', resumeFrom: 'RemoveRo', trigger: { removeIns: 'ins-2' } })).result();
  assert.equal((await kube().core.readNamespacedConfigMap({ namespace: ns, name: topology })).data?.ro, '', 'the manager no longer lists ins-2');
  assert.ok(!(await clusters().get(ref)).status?.dbInstanceStatus?.['ins-2']);
});

// extendStorage on a claim that is not bound (finding 9 of issue 21): the resize cannot happen, so nothing records it as done.
test('ExtendStorage of a Pending claim waits for it to bind and records no new size', async () => {
  const name = 'pc-pending';
  const created = await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  const ref: ResourceRef = { resourceType: 'MPDCluster', namespace: ns, name };
  await clusters().patchStatus(ref, { clusterStatus: 'Running' });
  // A claim of a class no provisioner serves: it stays Pending.
  await kube().core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name: `${name}-share` }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'no-such-class', resources: { requests: { storage: '10Gi' } } } },
  });
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `${name}-meta` }, data: { diskQuota: '10Gi' } } });
  await clusters().patch(ref, { spec: { shareStore: { diskQuota: '20Gi' } } });
  const handle = await runner.run(ref, created.metadata.uid!, 'ExtendStorageSharedStorageCluster', { transition: 2, state: 'ExtendStorage' });
  try {
    await waitUntil(async () => (await handle.query(progressQuery)).steps.find((s) => s.stepName === 'ExtendStorageFs')?.outcome === 'waiting', {
      timeoutMs: 30_000,
      describe: () => 'ExtendStorageFs never waited for the claim',
    });
    const meta = await kube().core.readNamespacedConfigMap({ namespace: ns, name: `${name}-meta` });
    assert.equal(meta.data?.diskQuota, '10Gi', 'the new size is not recorded while the claim cannot grow');
    assert.equal((await handle.describe()).status.name, 'RUNNING');
  } finally {
    await handle.terminate('test over').catch(() => undefined);
  }
});
