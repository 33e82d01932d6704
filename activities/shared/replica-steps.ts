/**
 * Read-only instances: new ones start as temporary ROs (ids in the `tempRoIds` annotation, insType `tempro`), become
 * ROs once up to date, and may replace the RW (ModifyClass, UpgradeMinorVersion, MigrateRw).
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { InterruptError } from '../../src/flows/step';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { deletePod, engineRoles, ensureInstancePod, getCluster, instances, labels, metaConfigMapName, nextInsId, patchInstances, podAnnotations, readPod, tempRoIds, type Ctx } from './instances';
import { syncManagerTopology } from './manager';
import { requireReadyNode } from './nodes';
import { switchWriterTo } from './switchover';
import { followElectedWriter, waitCaughtUpFollowing } from './elected-writer';
import { step } from './step-kit';
import { retryOnConflict } from './conflict-retry';
import { recordedRequest } from './run-record';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const useModifyTo = (ctx: Ctx) => ctx.params.modifyClass === true || ctx.params.upgrade === true;

/** Reserves `count` new instance ids in tempRoIds, once: a retry finds them there. */
async function reserveTempIds(ctx: Ctx, count: number): Promise<void> {
  await retryOnConflict(async () => {
    const cluster = await getCluster(ctx);
    if (tempRoIds(cluster).length > 0 || count <= 0) return;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(nextInsId(cluster, ids));
    await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [triggerAnnotations.tempRoIds]: ids.join(',') } } }, cluster.metadata.resourceVersion);
  });
}

/** `<insId>|<node>` of the migrate request this run's transition recorded (never the annotation as it is now). */
function migrationTarget(ctx: Ctx, cluster: MPDCluster): { insId: string; node: string } | undefined {
  const [insId, node] = (recordedRequest(ctx, cluster, triggerAnnotations.migrate) ?? '').split('|');
  return insId && node ? { insId, node } : undefined;
}

async function tempIdsOrInterrupt(ctx: Ctx, cluster: MPDCluster): Promise<string[]> {
  const ids = tempRoIds(cluster);
  if (ids.length === 0) throw new InterruptError('TEMP_INS_ID_NOT_FOUND', `cluster ${ctx.resource.name} has no tempRoIds`);
  return ids;
}

/** Every RO (and temporary RO) runs the image and class it should, on a Ready pod. */
async function ensureReplicasUpToDate(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  const wantClass = (useModifyTo(ctx) && cluster.spec.classInfoModifyTo?.className) || cluster.spec.classInfo?.className || '';
  const wantVersion = (useModifyTo(ctx) && cluster.spec.versionCfgModifyTo?.versionName) || cluster.spec.versionCfg?.versionName || '';
  for (const [insId, ins] of instances(cluster)) {
    if (ins.insType === 'rw') continue;
    const pod = await readPod(ctx, insId);
    const stale = pod && (pod.metadata?.annotations?.[podAnnotations.className] !== wantClass || pod.metadata?.annotations?.[podAnnotations.version] !== wantVersion);
    // Never the writer: one the HA manager promoted since the status was read is followed first (the step's retry).
    if (stale && pod.metadata?.labels?.[labels.role] === engineRoles.leader) throw new Error(`${insId} leads now (the HA manager promoted it); the step runs again and follows it`);
    if (stale) await deletePod(ctx, insId);
    await ensureInstancePod(ctx, cluster, insId, 'ro', { useModifyTo: useModifyTo(ctx), ...(ins.nodeName ? { preferNode: ins.nodeName } : {}) });
  }
}

export const replicaSteps = {
  /** ModifyClass / UpgradeMinorVersion: one temporary RO that will take over from the RW. */
  GenerateTempRoIds: step((ctx) => reserveTempIds(ctx, 1)),
  GenerateMigrateTempId: step(async (ctx) => {
    const target = migrationTarget(ctx, await getCluster(ctx));
    // The first step of both migrations: a target that cannot take the instance stops the flow before it changes anything.
    if (target) await requireReadyNode(ctx, target.node);
    // Migrating an RO moves its pod; migrating the RW needs a temporary RO on the target node.
    if (target && target.insId === (await getCluster(ctx)).status?.leaderInstanceId) await reserveTempIds(ctx, 1);
  }),
  GenerateRebuildRoTempId: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const failed = instances(cluster).filter(([id, ins]) => id !== cluster.status?.leaderInstanceId && ins.currentState?.state?.toLowerCase() === 'failed');
    await reserveTempIds(ctx, failed.length);
  }),
  GenerateAddRoTempId: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const ro = instances(cluster).filter(([, ins]) => ins.insType === 'ro').length;
    await reserveTempIds(ctx, (cluster.spec.followerNum ?? 0) - ro);
  }),
  /** Records the temporary ROs in status.dbInstanceStatus. */
  InitTempRoMeta: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const missing = tempRoIds(cluster).filter((id) => !cluster.status?.dbInstanceStatus?.[id]);
    if (missing.length === 0) return;
    const target = migrationTarget(ctx, cluster);
    await patchInstances(
      ctx,
      Object.fromEntries(missing.map((id) => [id, { insId: id, insType: 'tempro' as const, status: 'creating', currentState: { state: 'creating' }, ...(target ? { nodeName: target.node } : {}) }])),
    );
  }),
  /** The temporary RO that will replace the RW, with the class or version the cluster moves to. */
  CreateTempRoForRw: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const [temp] = await tempIdsOrInterrupt(ctx, cluster);
    if (!cluster.status?.dbInstanceStatus?.[temp!]) throw new InterruptError('TEMP_RO_FOR_RW_MEAT_LOST', `temporary RO ${temp} is missing from status`);
    const node = migrationTarget(ctx, cluster)?.node;
    if (node) await requireReadyNode(ctx, node);
    await ensureInstancePod(ctx, cluster, temp!, 'tempro', { useModifyTo: useModifyTo(ctx), ...(node ? { targetNode: node } : {}) });
  }),
  ConvertTempRoToRo: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const temps = tempRoIds(cluster).filter((id) => cluster.status?.dbInstanceStatus?.[id]?.insType === 'tempro');
    if (temps.length) await patchInstances(ctx, Object.fromEntries(temps.map((id) => [id, { insType: 'ro' as const }])));
  }),
  /** The temporary RO becomes the RW; the old RW is remembered in the metadata ConfigMap for DeleteOldRw. */
  SwitchNewRoToRw: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const [temp] = await tempIdsOrInterrupt(ctx, cluster);
    if (cluster.status?.leaderInstanceId === temp) return;
    await ctx.services.kube.core.patchNamespacedConfigMap(
      { namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name), body: { data: { oldRw: cluster.status?.leaderInstanceId ?? '' } } },
      mergePatch,
    );
    await switchWriterTo(ctx, temp!);
  }),
  DeleteOldRw: step(async (ctx) => {
    const meta = await ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name) });
    const old = meta.data?.oldRw;
    if (!old) return;
    await deletePod(ctx, old);
    await patchInstances(ctx, { [old]: null });
    await ctx.services.kube.core.patchNamespacedConfigMap({ namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name), body: { data: { oldRw: null } } }, mergePatch);
  }),
  EnsureNewRoUpToDate: step(async (ctx) => {
    await followElectedWriter(ctx);
    await ensureReplicasUpToDate(ctx);
    await followElectedWriter(ctx);
    const cluster = await getCluster(ctx);
    await waitCaughtUpFollowing(ctx, instances(cluster).filter(([, ins]) => ins.insType !== 'rw').map(([id]) => id));
    const temps = tempRoIds(cluster).filter((id) => cluster.status?.dbInstanceStatus?.[id]?.insType === 'tempro');
    if (temps.length) await patchInstances(ctx, Object.fromEntries(temps.map((id) => [id, { insType: 'ro' as const }])));
    await syncManagerTopology(ctx, await getCluster(ctx));
  }),
  /** MigrateRo: the RO's pod moves to the target node. */
  EnsureRoMigrate: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const target = migrationTarget(ctx, cluster);
    if (!target) return;
    await requireReadyNode(ctx, target.node);
    const pod = await readPod(ctx, target.insId);
    if (pod?.spec?.nodeName !== target.node) await deletePod(ctx, target.insId);
    await ensureInstancePod(ctx, cluster, target.insId, 'ro', { targetNode: target.node });
  }),
  /** RebuildRo: the failed ROs go (engine stopped, slot dropped); their replacements are the temporary ROs. */
  StopOldRo: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    for (const [id, ins] of instances(cluster)) {
      if (id === cluster.status?.leaderInstanceId || ins.currentState?.state?.toLowerCase() !== 'failed') continue;
      await deletePod(ctx, id);
      await patchInstances(ctx, { [id]: null });
    }
  }),
  /** removeIns: that RO goes. */
  RemoveRo: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const insId = recordedRequest(ctx, cluster, triggerAnnotations.removeIns) ?? '';
    if (insId === cluster.status?.leaderInstanceId) throw new InterruptError('RO_META_INVALID', `${insId} is the RW; switch first, then remove`);
    if (cluster.status?.dbInstanceStatus?.[insId]) {
      await deletePod(ctx, insId);
      await patchInstances(ctx, { [insId]: null });
    }
    // Always: a retry that finds the instance already gone still owes the cluster manager its new topology.
    await syncManagerTopology(ctx, await getCluster(ctx));
  }),
  /** Rebuild: temporary ROs of an interrupted flow are dropped. */
  CleanTempRoMeta: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const temps = instances(cluster).filter(([, ins]) => ins.insType === 'tempro').map(([id]) => id);
    for (const id of temps) await deletePod(ctx, id);
    if (temps.length) await patchInstances(ctx, Object.fromEntries(temps.map((id) => [id, null])));
    await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [triggerAnnotations.tempRoIds]: null } } });
  }),
};
