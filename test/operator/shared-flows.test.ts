import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { mpdFinalizer } from '../../src/kube/annotations';
import { apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { kube, temporalClient, testNamespace } from '../helpers/stack';
import { clusters, flowRuns, transitionRuns, waitUntilGone } from '../helpers/operator';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
const ref = () => ({ namespace: ns, name: 'pc-shared' });


/** The scenario's stages, in order: each acts on the cluster the stages before it left. */
const stages: Array<[name: string, run: () => Promise<void>]> = [];
const stage = (name: string, run: () => Promise<void>) => stages.push([name, run]);

/** Waits until `flowName` has completed once more and the cluster is Running again. */
async function runAndSettle(flowName: string, trigger: () => Promise<unknown>): Promise<MPDCluster> {
  const before = (await flowRuns(client, ref())).filter((r) => r.type === flowName && r.status === 'COMPLETED').length;
  await trigger();
  await waitUntil(
    async () => (await flowRuns(client, ref())).filter((r) => r.type === flowName && r.status === 'COMPLETED').length > before,
    { timeoutMs: 90_000, describe: () => `${flowName} never completed` },
  );
  let cluster: MPDCluster | undefined;
  await waitUntil(async () => (cluster = await clusters().get(ref())).status?.clusterStatus === 'Running', { timeoutMs: 30_000, describe: () => 'back to Running' });
  return cluster!;
}

const pods = async () =>
  new Map(
    (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: 'mpd.polardb.aliyun.com/cluster=pc-shared' })).items.map((p) => [
      p.metadata!.labels!['mpd.polardb.aliyun.com/ins-id']!,
      p,
    ]),
  );
const annotate = (values: Record<string, string | null>) => clusters().patch(ref(), { metadata: { annotations: values } });
const configMap = async (name: string) => (await kube().core.readNamespacedConfigMap({ namespace: ns, name })).data ?? {};

stage('CreateSharedStorageCluster: metadata, shared PVC, RW and RO pods, cluster manager, Running', async () => {
  await clusters().create(sampleCluster(ns, 'pc-shared'));
  const cluster = await runAndSettle('CreateSharedStorageCluster', async () => undefined);
  assert.ok(cluster.metadata.finalizers?.includes(mpdFinalizer));
  assert.equal(cluster.status?.leaderInstanceId, 'ins-1');
  assert.equal(cluster.status?.followerNum, 1);
  assert.equal(cluster.status?.dbInstanceStatus?.['ins-1']?.insType, 'rw');
  assert.equal(cluster.status?.dbInstanceStatus?.['ins-2']?.insType, 'ro');
  const p = await pods();
  assert.equal(p.get('ins-1')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'rw');
  assert.equal(p.get('ins-1')?.spec?.containers[0]?.image, 'polardb/polardb-engine:1.0.0');
  assert.equal(p.get('ins-1')?.metadata?.ownerReferences?.[0]?.kind, 'MPDCluster');
  assert.equal((await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pc-shared-share' })).spec?.resources?.requests?.storage, '10Gi');
  assert.equal((await kube().apps.readNamespacedDeployment({ namespace: ns, name: 'pc-shared-cm' })).spec?.template.spec?.containers[0]?.image, 'polardb/cluster-manager:1.0.0');
  assert.deepEqual(await configMap('pc-shared-cm-config'), { rw: 'ins-1', ro: 'ins-2', ha: 'on' });
});

stage('SharedStorageClusterAddRo: followerNum + 1 adds a Ready RO', async () => {
  const cluster = await runAndSettle('SharedStorageClusterAddRo', () => clusters().patch(ref(), { spec: { followerNum: 2 } }));
  assert.equal(cluster.status?.followerNum, 2);
  assert.ok((await pods()).has('ins-3'));
  assert.equal((await configMap('pc-shared-cm-config')).ro, 'ins-2,ins-3');
});

stage('SharedStorageClusterRestartCluster: every pod is replaced once, the trigger cleared', async () => {
  const before = await pods();
  const cluster = await runAndSettle('SharedStorageClusterRestartCluster', () => annotate({ restartCluster: 'true' }));
  const after = await pods();
  for (const [id, pod] of before) assert.notEqual(after.get(id)?.metadata?.uid, pod.metadata?.uid, `${id} replaced`);
  assert.equal(cluster.metadata.annotations?.restartCluster, undefined);
  assert.equal((await configMap('pc-shared-cm-config')).ha, 'on', 'HA back on');
});

stage('SharedStorageClusterRestartIns: only the named instance is replaced', async () => {
  const before = await pods();
  await runAndSettle('SharedStorageClusterRestartIns', () => annotate({ restartIns: 'ins-2' }));
  const after = await pods();
  assert.notEqual(after.get('ins-2')?.metadata?.uid, before.get('ins-2')?.metadata?.uid);
  assert.equal(after.get('ins-1')?.metadata?.uid, before.get('ins-1')?.metadata?.uid);
});

stage('SharedStorageClusterSwitchRw: the named RO becomes the RW', async () => {
  const cluster = await runAndSettle('SharedStorageClusterSwitchRw', () => annotate({ switchRw: 'ins-2' }));
  assert.equal(cluster.status?.leaderInstanceId, 'ins-2');
  const p = await pods();
  assert.equal(p.get('ins-2')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'rw');
  assert.equal(p.get('ins-1')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'ro');
  assert.equal((await configMap('pc-shared-cm-config')).rw, 'ins-2');
});

stage('SharedStorageClusterFlushParams: parameters applied; one needing a restart restarts the cluster', async () => {
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pc-shared-user-params' }, data: { shared_buffers: '1GB', updateTime: 't1' } } });
  const before = await pods();
  await runAndSettle('SharedStorageClusterFlushParams', () => annotate({ flushParams: 'true' }));
  assert.equal((await configMap('pc-shared-params-applied')).shared_buffers, '1GB');
  assert.equal((await configMap('pc-shared-meta')).paramsLastUpdateTime, 't1');
  assert.notEqual((await pods()).get('ins-1')?.metadata?.uid, before.get('ins-1')?.metadata?.uid, 'restarted for shared_buffers');
});

stage('SharedStorageClusterModifyClass: a new RW of the new class replaces the old one, the ROs follow', async () => {
  const cluster = await runAndSettle('SharedStorageClusterModifyClass', () =>
    clusters().patch(ref(), { spec: { classInfoModifyTo: { className: 'polar.o.x8.large', cpu: '4', memory: '16Gi' } } }),
  );
  assert.equal(cluster.spec.classInfo?.className, 'polar.o.x8.large');
  assert.equal(cluster.spec.classInfoModifyTo, undefined);
  const leader = cluster.status!.leaderInstanceId!;
  assert.ok(!['ins-1', 'ins-2', 'ins-3'].includes(leader), `a new instance leads: ${leader}`);
  assert.ok(!cluster.status?.dbInstanceStatus?.['ins-2'], 'the old RW is gone');
  for (const [, pod] of await pods()) assert.equal(pod.metadata?.annotations?.['mpd.polardb.aliyun.com/class'], 'polar.o.x8.large');
});

stage('SharedStorageClusterUpgradeMinorVersion: new images everywhere, cluster manager included', async () => {
  const cluster = await runAndSettle('SharedStorageClusterUpgradeMinorVersion', () =>
    clusters().patch(ref(), { spec: { versionCfgModifyTo: { versionName: 'v1.1.0', engineImage: 'polardb/polardb-engine:1.1.0', clusterManagerImage: 'polardb/cluster-manager:1.1.0' } } }),
  );
  assert.equal(cluster.spec.versionCfg?.versionName, 'v1.1.0');
  for (const [, pod] of await pods()) assert.equal(pod.spec?.containers[0]?.image, 'polardb/polardb-engine:1.1.0');
  assert.equal((await kube().apps.readNamespacedDeployment({ namespace: ns, name: 'pc-shared-cm' })).spec?.template.spec?.containers[0]?.image, 'polardb/cluster-manager:1.1.0');
});

stage('SharedStorageClusterMigrateRo and MigrateRw: instances move to the named nodes', async () => {
  let cluster = await clusters().get(ref());
  const ro = Object.entries(cluster.status!.dbInstanceStatus!).find(([, i]) => i.insType === 'ro')![0];
  await runAndSettle('SharedStorageClusterMigrateRo', () => annotate({ migrate: `${ro}|node-9` }));
  assert.equal((await pods()).get(ro)?.spec?.nodeName, 'node-9');
  cluster = await clusters().get(ref());
  const leader = cluster.status!.leaderInstanceId!;
  cluster = await runAndSettle('SharedStorageClusterMigrateRw', () => annotate({ migrate: `${leader}|node-8` }));
  assert.equal((await pods()).get(cluster.status!.leaderInstanceId!)?.spec?.nodeName, 'node-8');
  assert.ok(!(await pods()).has(leader), 'the old RW pod is gone');
});

stage('SharedStorageClusterRebuildRo: a failed RO is replaced', async () => {
  const cluster = await clusters().get(ref());
  const ro = Object.entries(cluster.status!.dbInstanceStatus!).find(([, i]) => i.insType === 'ro')![0];
  const after = await runAndSettle('SharedStorageClusterRebuildRo', () =>
    clusters().patchStatus(ref(), { dbInstanceStatus: { [ro]: { currentState: { state: 'failed' } } } }),
  );
  assert.ok(!after.status?.dbInstanceStatus?.[ro], 'the failed RO is gone');
  assert.equal(Object.values(after.status!.dbInstanceStatus!).filter((i) => i.insType === 'ro').length, 2);
});

stage('SharedStorageClusterRemoveRo: removeIns takes an RO away', async () => {
  const cluster = await clusters().get(ref());
  const ro = Object.entries(cluster.status!.dbInstanceStatus!).find(([, i]) => i.insType === 'ro')![0];
  await clusters().patch(ref(), { spec: { followerNum: 1 } });
  const after = await runAndSettle('SharedStorageClusterRemoveRo', () => annotate({ removeIns: ro }));
  assert.ok(!after.status?.dbInstanceStatus?.[ro]);
  assert.equal(after.status?.followerNum, 1);
  assert.ok(!(await pods()).has(ro));
});

stage('ExtendStorageSharedStorageCluster: the new quota is recorded, the trigger cleared', async () => {
  const cluster = await runAndSettle('ExtendStorageSharedStorageCluster', () =>
    clusters().patch(ref(), { metadata: { annotations: { extendStorage: 'true' } }, spec: { shareStore: { diskQuota: '20Gi' } } }),
  );
  assert.equal((await configMap('pc-shared-meta')).diskQuota, '20Gi');
  assert.equal(cluster.metadata.annotations?.extendStorage, undefined);
});

stage('SharedStorageClusterRebuild: forceRebuild recreates every pod and the cluster manager', async () => {
  const before = await pods();
  const cluster = await runAndSettle('SharedStorageClusterRebuild', () => annotate({ forceRebuild: 'true' }));
  for (const [id, pod] of await pods()) assert.notEqual(pod.metadata?.uid, before.get(id)?.metadata?.uid, `${id} recreated`);
  assert.equal(cluster.metadata.annotations?.forceRebuild, undefined);
});

stage('two triggers set at once: RestartCluster first (the seed priority), then SwitchRw, whose request its cleanup keeps', async () => {
  const cluster = await clusters().get(ref());
  const ro = Object.entries(cluster.status!.dbInstanceStatus!).find(([, i]) => i.insType === 'ro')![0];
  const before = cluster.status!.transition!.id;
  await annotate({ restartCluster: 'true', switchRw: ro });
  await waitUntil(async () => (await clusters().get(ref())).status?.leaderInstanceId === ro && (await clusters().get(ref())).status?.clusterStatus === 'Running', {
    timeoutMs: 90_000,
    describe: () => `${ro} never became the RW`,
  });
  const runs = (await transitionRuns(client, ref())).filter((r) => Number(r.run.slice(1).split('-')[0]) > before);
  assert.deepEqual(runs.map((r) => `${r.type} ${r.status}`), ['SharedStorageClusterRestartCluster COMPLETED', 'SharedStorageClusterSwitchRw COMPLETED']);
});

stage('deletion: ReleaseSharedStorageCluster frees the storage, then the finalizer goes', async () => {
  await clusters().delete(ref());
  await waitUntilGone(ref(), 60_000);
  // Deleted: gone, or held only by kubernetes.io/pvc-protection, which no controller-manager lifts here.
  const pvc = await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pc-shared-share' }).catch((e: unknown) => (apiStatus(e) === 404 ? undefined : Promise.reject(e)));
  assert.ok(!pvc || pvc.metadata?.deletionTimestamp, 'the shared PVC is deleted');
  assert.equal((await flowRuns(client, ref())).at(-1)?.type, 'ReleaseSharedStorageCluster');
});

// One test, its stages subtests: a stage after a failed one is skipped, never run on a cluster left half-way.
test('the shared-storage operator drives one cluster through every flow, in order', { timeout: 900_000 }, async (t) => {
  ({ client, close } = await temporalClient());
  try {
    ns = await testNamespace('shared');
    op = await startSharedOperator(ns);
    try {
      let failed: string | undefined;
      for (const [name, run] of stages) {
        await t.test(name, { skip: failed ? `an earlier stage failed: ${failed}` : false }, async () => {
          try {
            await run();
          } catch (error) {
            failed = name;
            throw error;
          }
        });
      }
    } finally {
      await op.stop();
    }
  } finally {
    await close();
  }
});
