import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { mpdFinalizer } from '../../src/kube/annotations';
import { apiStatus } from '../../src/kube/client';
import { auditLabels, auditRecordKey } from '../../src/worker/audit-trail';
import type { AuditRecord } from '../../src/worker/audit-record';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { mpdClusterApi } from '../../src/kube/mpdcluster';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { kube, temporalClient, testNamespace } from '../helpers/stack';
import { clusters, flowRuns, transitionRuns, waitUntilGone } from '../helpers/operator';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { engineQuery, postmasterStart } from '../helpers/engine';
import { startExtraNode, type ExtraNode } from '../helpers/extra-node';
import { isReady } from '../helpers/real-node';
import { localImages } from '../../src/infra/local-images';
import { recordSharedHistories, sharedFlowTypes } from '../helpers/shared-histories';
import { assertRowsKept, writeRows, writerOverTls } from '../helpers/database';
import { watchServiceAddresses } from '../helpers/service-addresses';
import { textOf } from '../helpers/history-text';
import { newClusterCa } from '../../activities/shared/engine-tls';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
let secondNode: ExtraNode | undefined;
const ref = () => ({ namespace: ns, name: 'pc-shared' });
/** Rows committed through pc-shared-rw so far: every flow runs over them, and none may lose one. */
let committed = 0;

/** After a flow: every committed row on the RW and on every RO, and the writer takes 50 more through its Service. */
async function dataKeptAndWritable(): Promise<void> {
  if (committed > 0) await assertRowsKept(ns, 'pc-shared', 'kept', committed);
  await writeRows(ns, 'pc-shared', 'kept', committed + 1, committed + 50);
  committed += 50;
  await assertRowsKept(ns, 'pc-shared', 'kept', committed);
}


/** The scenario's stages, in order: each acts on the cluster the stages before it left. */
const stages: Array<[name: string, run: () => Promise<void>]> = [];
const stage = (name: string, run: () => Promise<void>) => stages.push([name, run]);

/** Waits until `flowName` has completed once more and the cluster is Running again. */
async function runAndSettle(flowName: string, trigger: () => Promise<unknown>): Promise<MPDCluster> {
  const before = (await flowRuns(client, ref())).filter((r) => r.type === flowName && r.status === 'COMPLETED').length;
  await trigger();
  await waitUntil(
    async () => (await flowRuns(client, ref())).filter((r) => r.type === flowName && r.status === 'COMPLETED').length > before,
    { timeoutMs: 180_000, describe: () => `${flowName} never completed` },
  );
  let cluster: MPDCluster | undefined;
  await waitUntil(async () => (cluster = await clusters().get(ref())).status?.clusterStatus === 'Running', { timeoutMs: 30_000, describe: () => 'back to Running' });
  await assertInstancesRunReal(cluster!);
  await dataKeptAndWritable();
  return cluster!;
}

/**
 * What every stage leaves: each instance in status has its pod, scheduled and Ready by its probe, with the node and
 * host the scheduler chose recorded; no pod of the cluster outside the status.
 */
async function assertInstancesRunReal(cluster: MPDCluster): Promise<void> {
  const p = await pods();
  assert.deepEqual([...p.keys()].sort(), Object.keys(cluster.status?.dbInstanceStatus ?? {}).sort(), 'one pod per instance');
  for (const [id, ins] of Object.entries(cluster.status?.dbInstanceStatus ?? {})) {
    const pod = p.get(id)!;
    assert.ok(isReady(pod), `${id} Ready`);
    assert.equal(ins.nodeName, pod.spec?.nodeName, `${id}: status names the node the scheduler chose`);
    assert.equal(ins.hostClientIP, pod.status?.hostIP, `${id}: status names the node's address`);
  }
}

const pods = async () =>
  new Map(
    (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: 'mpd.polardb.aliyun.com/cluster=pc-shared,mpd.polardb.aliyun.com/ins-id' })).items.map((p) => [
      p.metadata!.labels!['mpd.polardb.aliyun.com/ins-id']!,
      p,
    ]),
  );
const annotate = (values: Record<string, string | null>) => clusters().patch(ref(), { metadata: { annotations: values } });
const configMap = async (name: string) => (await kube().core.readNamespacedConfigMap({ namespace: ns, name })).data ?? {};
/** Each instance's engine start time, by instance id. */
const engineStarts = async () => new Map(await Promise.all([...(await pods()).entries()].map(async ([id, pod]) => [id, await postmasterStart(ns, pod.metadata!.name!)] as const)));

stage('CreateSharedStorageCluster: metadata, shared PVC, RW and RO pods (a replicating cluster), Services, cluster manager, Running', async () => {
  await clusters().create(sampleCluster(ns, 'pc-shared'));
  const cluster = await runAndSettle('CreateSharedStorageCluster', async () => undefined);
  assert.ok(cluster.metadata.finalizers?.includes(mpdFinalizer));
  // Each step on its first attempt: the flow's own progress writes, landing beside its steps, fail none of them.
  const history = await client.workflow.getHandle(cluster.status!.transition!.workflowId).fetchHistory();
  const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  assert.deepEqual(retried.map((e) => e.eventId?.toString()), [], 'no step of the create needed a second attempt');
  assert.equal(cluster.status?.leaderInstanceId, 'ins-1');
  assert.equal(cluster.status?.followerNum, 1);
  assert.equal(cluster.status?.dbInstanceStatus?.['ins-1']?.insType, 'rw');
  assert.equal(cluster.status?.dbInstanceStatus?.['ins-2']?.insType, 'ro');
  const p = await pods();
  // The HA manager's role labels: the -rw and -ro Services select on them.
  assert.equal(p.get('ins-1')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'master');
  assert.equal(p.get('ins-2')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'replica');
  assert.equal(p.get('ins-1')?.spec?.containers[0]?.image, localImages.engine);
  assert.equal(p.get('ins-1')?.metadata?.ownerReferences?.[0]?.kind, 'MPDCluster');
  // Real engines of their image's version; durable by default: fsync, synchronous commit, a synchronous standby.
  assert.equal(await engineQuery(ns, 'pc-shared-ins-1', 'show mpdflow.engine_version'), 'v1');
  assert.equal(await engineQuery(ns, 'pc-shared-ins-1', 'show fsync'), 'on');
  assert.equal(await engineQuery(ns, 'pc-shared-ins-1', 'show synchronous_commit'), 'on');
  assert.equal(await engineQuery(ns, 'pc-shared-ins-1', "select string_agg(application_name || ':' || sync_state, ',') from pg_stat_replication"), 'pc-shared-ins-2:sync');
  // The writer's Service has no selector: its address is the HA manager's, written with the leader lock.
  assert.equal((await kube().core.readNamespacedService({ namespace: ns, name: 'pc-shared-rw' })).spec?.selector, undefined);
  const rwAddresses = (await kube().core.readNamespacedEndpoints({ namespace: ns, name: 'pc-shared-rw' })).subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip);
  assert.deepEqual(rwAddresses, [p.get('ins-1')?.status?.podIP], 'pc-shared-rw points at the RW');
  // `mpdflow status` shows each instance's replication as the HA manager sees it (through the API server's pod proxy).
  const { stdout } = await promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'status', `${ns}/pc-shared`], { cwd: projectRoot });
  assert.match(stdout, /ins-1\s+rw\s+pc-shared-ins-1\s+\S+\s+leader running timeline \d+/, stdout);
  assert.match(stdout, /ins-2\s+ro\s+pc-shared-ins-2\s+\S+\s+sync_standby running timeline \d+ lag 0 B/, stdout);
  // Server TLS from the cluster's own CA: verified for the Service's name; a client trusting another CA is refused.
  const tls = await kube().core.readNamespacedSecret({ namespace: ns, name: 'pc-shared-engine-tls' });
  assert.equal(await writerOverTls(ns, 'pc-shared', Buffer.from(tls.data!['ca.crt']!, 'base64').toString('utf8')), true, 'an encrypted, verified session');
  await assert.rejects(writerOverTls(ns, 'pc-shared', newClusterCa('other', ns).cert), /self[- ]signed|certificate/i);
  assert.deepEqual((await kube().core.readNamespacedService({ namespace: ns, name: 'pc-shared-ro' })).spec?.selector, {
    'mpd.polardb.aliyun.com/cluster': 'pc-shared',
    'mpd.polardb.aliyun.com/role': 'replica',
  });
  const claim = await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pc-shared-share' });
  assert.equal(claim.spec?.resources?.requests?.storage, '10Gi');
  assert.equal(claim.status?.phase, 'Bound');
  // The cluster manager: rolled out, Ready by its health probe, serving the topology it reads from its ConfigMap.
  const manager = await kube().apps.readNamespacedDeployment({ namespace: ns, name: 'pc-shared-cm' });
  assert.equal(manager.spec?.template.spec?.containers[0]?.image, localImages.clusterManager);
  assert.equal(manager.status?.readyReplicas, 1);
  assert.deepEqual(await configMap('pc-shared-cm-config'), { rw: 'ins-1', ro: 'ins-2', ha: 'on' });
  const [managerPod] = (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: 'mpd.polardb.aliyun.com/role=cluster-manager' })).items;
  await waitUntil(async () => /^rw=ins-1$/m.test(await (await fetch(`http://${managerPod!.status!.podIP}:8080/topology`)).text()), {
    timeoutMs: 30_000,
    describe: () => 'the cluster manager never published rw=ins-1 (it re-reads its mounted ConfigMap)',
  });
});

stage('SharedStorageClusterAddRo: followerNum + 1 adds a Ready RO', async () => {
  const cluster = await runAndSettle('SharedStorageClusterAddRo', () => clusters().patch(ref(), { spec: { followerNum: 2 } }));
  assert.equal(cluster.status?.followerNum, 2);
  assert.ok((await pods()).has('ins-3'));
  assert.equal((await configMap('pc-shared-cm-config')).ro, 'ins-2,ins-3');
});

stage('SharedStorageClusterRestartCluster: every engine restarts once (a new postmaster in its pod), the trigger cleared', async () => {
  const before = await pods();
  const started = await engineStarts();
  // Written as a named field manager: the flow's cleanup removes the annotation, and that manager's entry with it.
  const asOperatorOnCall = () =>
    rawKubeRequest(kube().config, 'PATCH', `/apis/${mpdClusterApi.group}/${mpdClusterApi.version}/namespaces/${ns}/${mpdClusterApi.plural}/pc-shared?fieldManager=oncall-kubectl`, { metadata: { annotations: { restartCluster: 'true' } } }, 'application/merge-patch+json');
  const cluster = await runAndSettle('SharedStorageClusterRestartCluster', asOperatorOnCall);
  // Still named by the run's audit record: read when the transition was recorded.
  const restartRecords = (await kube().core.listNamespacedConfigMap({ namespace: ns, labelSelector: `${auditLabels.audit}=true,${auditLabels.flow}=SharedStorageClusterRestartCluster` })).items;
  assert.deepEqual(restartRecords.map((c) => (JSON.parse(c.data?.[auditRecordKey] ?? '{}') as AuditRecord).requestedBy.who), ['oncall-kubectl']);
  const after = await pods();
  const startedAfter = await engineStarts();
  for (const [id, pod] of before) {
    assert.equal(after.get(id)?.metadata?.uid, pod.metadata?.uid, `${id} restarted in its pod`);
    assert.notEqual(startedAfter.get(id), started.get(id), `${id}: a new postmaster`);
  }
  assert.equal(cluster.metadata.annotations?.restartCluster, undefined);
  assert.equal((await configMap('pc-shared-cm-config')).ha, 'on', 'HA back on');
});

stage('SharedStorageClusterRestartIns: only the named instance restarts', async () => {
  const before = await pods();
  const started = await engineStarts();
  await runAndSettle('SharedStorageClusterRestartIns', () => annotate({ restartIns: 'ins-2' }));
  const after = await pods();
  const startedAfter = await engineStarts();
  assert.equal(after.get('ins-2')?.metadata?.uid, before.get('ins-2')?.metadata?.uid, 'ins-2 restarted in its pod');
  assert.notEqual(startedAfter.get('ins-2'), started.get('ins-2'), 'ins-2: a new postmaster');
  assert.equal(after.get('ins-1')?.metadata?.uid, before.get('ins-1')?.metadata?.uid);
  assert.equal(startedAfter.get('ins-1'), started.get('ins-1'), 'ins-1: the same postmaster');
});

stage('SharedStorageClusterSwitchRw: the named RO is promoted, the old RW follows it; pc-shared-rw always has a writer address', async () => {
  const rw = await watchServiceAddresses(ns, 'pc-shared-rw');
  const cluster = await runAndSettle('SharedStorageClusterSwitchRw', () => annotate({ switchRw: 'ins-2' })).finally(rw.stop);
  assert.equal(cluster.status?.leaderInstanceId, 'ins-2');
  const p = await pods();
  // Never empty: a client meets the old writer's refusal, answered at once, not a Service with no endpoint.
  const [oldIp, newIp] = [p.get('ins-1')!.status!.podIP!, p.get('ins-2')!.status!.podIP!];
  assert.deepEqual([...new Set(rw.seen.map((ips) => ips.join(',')))], [oldIp, newIp], 'pc-shared-rw through the switch');
  // Every standby's HA manager reaches the leader as pg_rewind would (a failed check, each loop, means no rewind can run).
  for (const [id, pod] of p) {
    const log = await kube().core.readNamespacedPodLog({ namespace: ns, name: pod.metadata!.name!, container: 'engine' });
    const failed = /Exception when working with leader[\s\S]*?\n(\S*Error: [^\n]*)/.exec(log);
    assert.equal(failed?.[1], undefined, `${id}: Patroni's check of the leader failed`);
  }
  assert.equal(p.get('ins-2')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'master');
  assert.equal(p.get('ins-1')?.metadata?.labels?.['mpd.polardb.aliyun.com/role'], 'replica');
  assert.equal(await engineQuery(ns, 'pc-shared-ins-2', 'select pg_is_in_recovery()'), 'f');
  assert.equal(await engineQuery(ns, 'pc-shared-ins-1', 'select pg_is_in_recovery()'), 't');
  assert.equal((await configMap('pc-shared-cm-config')).rw, 'ins-2');
});

stage('SharedStorageClusterFlushParams: parameters in effect on every engine; one needing a restart restarts them', async () => {
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pc-shared-user-params' }, data: { shared_buffers: '32MB', work_mem: '8MB', updateTime: 't1' } } });
  const started = await engineStarts();
  await runAndSettle('SharedStorageClusterFlushParams', () => annotate({ flushParams: 'true' }));
  assert.equal((await configMap('pc-shared-params-applied')).shared_buffers, '32MB');
  assert.equal((await configMap('pc-shared-meta')).paramsLastUpdateTime, 't1');
  const startedAfter = await engineStarts();
  for (const [id, pod] of await pods()) {
    assert.equal(await engineQuery(ns, pod.metadata!.name!, 'show shared_buffers'), '32MB', `${id}: shared_buffers, after its restart`);
    assert.equal(await engineQuery(ns, pod.metadata!.name!, 'show work_mem'), '8MB', `${id}: work_mem, reloaded`);
    assert.notEqual(startedAfter.get(id), started.get(id), `${id} restarted for shared_buffers`);
  }
});

stage('SharedStorageClusterModifyClass: a new RW of the new class replaces the old one, the ROs follow', async () => {
  const cluster = await runAndSettle('SharedStorageClusterModifyClass', () =>
    clusters().patch(ref(), { spec: { classInfoModifyTo: { className: 'polar.o.x8.large', cpu: '2', memory: '2Gi' } } }),
  );
  assert.equal(cluster.spec.classInfo?.className, 'polar.o.x8.large');
  assert.equal(cluster.spec.classInfoModifyTo, undefined);
  const leader = cluster.status!.leaderInstanceId!;
  assert.ok(!['ins-1', 'ins-2', 'ins-3'].includes(leader), `a new instance leads: ${leader}`);
  assert.ok(!cluster.status?.dbInstanceStatus?.['ins-2'], 'the old RW is gone');
  for (const [id, pod] of await pods()) {
    assert.equal(pod.metadata?.annotations?.['mpd.polardb.aliyun.com/class'], 'polar.o.x8.large');
    assert.deepEqual(pod.spec?.containers[0]?.resources?.limits, { cpu: '2', memory: '2Gi' }, `${id}: the new class is its limit`);
  }
});

stage('SharedStorageClusterUpgradeMinorVersion: every engine runs the new image (engine v2)', async () => {
  const cluster = await runAndSettle('SharedStorageClusterUpgradeMinorVersion', () =>
    clusters().patch(ref(), { spec: { versionCfgModifyTo: { versionName: 'v2', engineImage: localImages.engineNext } } }),
  );
  assert.equal(cluster.spec.versionCfg?.versionName, 'v2');
  for (const [id, pod] of await pods()) {
    assert.equal(pod.spec?.containers[0]?.image, localImages.engineNext);
    assert.equal(await engineQuery(ns, pod.metadata!.name!, 'show mpdflow.engine_version'), 'v2', `${id} runs v2`);
  }
  assert.equal((await kube().apps.readNamespacedDeployment({ namespace: ns, name: 'pc-shared-cm' })).status?.readyReplicas, 1);
});

stage('SharedStorageClusterMigrateRo and MigrateRw: instances move to a second node, Ready there', async () => {
  secondNode = await startExtraNode('mpdflow-node-2');
  let cluster = await clusters().get(ref());
  const ro = Object.entries(cluster.status!.dbInstanceStatus!).find(([, i]) => i.insType === 'ro' && i.nodeName !== 'mpdflow-node-2')![0];
  cluster = await runAndSettle('SharedStorageClusterMigrateRo', () => annotate({ migrate: `${ro}|mpdflow-node-2` }));
  assert.equal((await pods()).get(ro)?.spec?.nodeName, 'mpdflow-node-2');
  assert.equal(cluster.status?.dbInstanceStatus?.[ro]?.nodeName, 'mpdflow-node-2');
  assert.equal(await engineQuery(ns, `pc-shared-${ro}`, 'select 1'), '1', 'the moved engine answers');
  const leader = cluster.status!.leaderInstanceId!;
  assert.notEqual(cluster.status?.dbInstanceStatus?.[leader]?.nodeName, 'mpdflow-node-2');
  cluster = await runAndSettle('SharedStorageClusterMigrateRw', () => annotate({ migrate: `${leader}|mpdflow-node-2` }));
  assert.equal((await pods()).get(cluster.status!.leaderInstanceId!)?.spec?.nodeName, 'mpdflow-node-2');
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
  await waitUntil(async () => (await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pc-shared-share' })).status?.capacity?.storage === '20Gi', {
    timeoutMs: 30_000,
    describe: () => 'the claim never grew to 20Gi',
  });
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
  await dataKeptAndWritable();
});

stage("the engines' passwords are in no workflow history, audit record or Event of the cluster", async () => {
  const secret = await kube().core.readNamespacedSecret({ namespace: ns, name: 'pc-shared-engine-credentials' });
  const passwords = Object.values(secret.data!).map((value) => Buffer.from(value, 'base64').toString('utf8'));
  assert.equal(passwords.length, 3);
  const texts: string[] = [];
  let runs = 0;
  for await (const wf of client.workflow.list({ query: `MpdCluster = "pc-shared" AND MpdNamespace = "${ns}"` })) {
    texts.push(...textOf(await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()));
    runs += 1;
  }
  assert.ok(runs >= 15, `every flow's history scanned (${runs})`);
  texts.push(...textOf((await kube().core.listNamespacedConfigMap({ namespace: ns, labelSelector: `${auditLabels.audit}=true` })).items));
  texts.push(...textOf((await kube().core.listNamespacedEvent({ namespace: ns })).items));
  const text = texts.join('\n');
  assert.ok(text.includes('pc-shared-engine-credentials') || text.includes('SwitchRw'), 'the scan sees the runs');
  for (const password of passwords) assert.ok(!text.includes(password), 'a password found in a history, audit record or Event');
});

stage('deletion: ReleaseSharedStorageCluster frees the storage, the finalizer goes, nothing the cluster owned is left', async () => {
  const uid = (await clusters().get(ref())).metadata.uid!;
  const volume = (await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pc-shared-share' })).spec!.volumeName!;
  await clusters().delete(ref());
  await waitUntilGone(ref(), 120_000);
  assert.equal((await flowRuns(client, ref())).at(-1)?.type, 'ReleaseSharedStorageCluster');
  // The garbage collector takes what the cluster owned (and what that owned); claim protection lets the claim go
  // once no pod uses it; the volume is reclaimed with it.
  const owned = async () => {
    const core = kube().core;
    const apps = kube().apps;
    const objects = [
      ...(await core.listNamespacedPod({ namespace: ns })).items,
      ...(await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items,
      // Not kube-root-ca.crt (the namespace's), nor the user's parameters (FlushParams' input, never the cluster's),
      // nor the audit records (made to outlive the cluster: checked below). The HA manager's store must go too.
      ...(await core.listNamespacedConfigMap({ namespace: ns })).items.filter(
        (c) => !['kube-root-ca.crt', 'pc-shared-user-params'].includes(c.metadata?.name ?? '') && c.metadata?.labels?.[auditLabels.audit] !== 'true',
      ),
      ...(await apps.listNamespacedDeployment({ namespace: ns })).items,
      ...(await apps.listNamespacedReplicaSet({ namespace: ns })).items,
      ...(await core.listNamespacedService({ namespace: ns })).items,
      ...(await core.listNamespacedSecret({ namespace: ns })).items,
      ...(await core.listNamespacedServiceAccount({ namespace: ns })).items.filter((a) => a.metadata?.name !== 'default'),
      ...(await kube().rbac.listNamespacedRoleBinding({ namespace: ns })).items,
      ...(await core.listNamespacedEndpoints({ namespace: ns })).items,
    ];
    return objects.map((o) => `${o.kind ?? ''} ${o.metadata?.name} (owners ${(o.metadata?.ownerReferences ?? []).map((r) => r.uid === uid ? 'the cluster' : r.kind).join(',') || 'none'})`);
  };
  let left: string[] = [];
  await waitUntil(async () => (left = await owned()).length === 0, { timeoutMs: 120_000, describe: () => `left behind: ${left.join('; ')}` });
  await waitUntil(async () => (await kube().core.readPersistentVolume({ name: volume }).then(() => false, (e: unknown) => apiStatus(e) === 404)), {
    timeoutMs: 60_000,
    describe: () => `volume ${volume} not reclaimed`,
  });
  // What was done to the cluster outlives it: the release flow's own record among them.
  const released = async () =>
    (await kube().core.listNamespacedConfigMap({ namespace: ns, labelSelector: `${auditLabels.audit}=true,${auditLabels.cluster}=pc-shared` })).items.some(
      (c) => c.metadata?.labels?.[auditLabels.flow] === 'ReleaseSharedStorageCluster',
    );
  await waitUntil(released, { timeoutMs: 30_000, describe: () => 'the release is not in the audit trail' });
});

/** Each flow run's wall time (start to close in Temporal), printed with the results: docs/performance.md's numbers. */
async function reportFlowTimes(t: { diagnostic(message: string): void }): Promise<void> {
  for await (const wf of client.workflow.list({ query: `MpdCluster = "pc-shared" AND MpdNamespace = "${ns}"` })) {
    if (wf.closeTime) t.diagnostic(`flow wall time: ${wf.type} ${((wf.closeTime.getTime() - wf.startTime.getTime()) / 1000).toFixed(1)} s (${wf.status.name})`);
  }
}

// One test, its stages subtests: a stage after a failed one is skipped, never run on a cluster left half-way.
test('the shared-storage operator drives one cluster through every flow, in order, on real engine pods', { timeout: 1_500_000 }, async (t) => {
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
      await reportFlowTimes(t);
      // The replay guard's shared-flow histories come from this scenario: MPDFLOW_RECORD_SHARED_HISTORIES=1 (docs/deploying-workflow-code.md, "Replay").
      if (process.env.MPDFLOW_RECORD_SHARED_HISTORIES && !failed) {
        const written = await recordSharedHistories(client, ref());
        assert.deepEqual(written, sharedFlowTypes(), 'the scenario completed every shared flow type once');
        t.diagnostic(`recorded ${written.length} shared-flow histories`);
      }
    } finally {
      await op.stop();
      await secondNode?.stop();
    }
  } finally {
    await close();
  }
});
