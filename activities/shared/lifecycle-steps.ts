/** Class and version changes, rebuild, storage, cleanup and release. */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { transitionKeyOf } from '../../src/contract/flow-run';
import { interruptAnnotations } from '../../src/kube/annotations';
import { flowMarkerAnnotations, triggerAnnotations } from '../../src/operator/shared/annotations';
import { deletePod, getCluster, instances, metaConfigMapName, patchInstances, sharePvcName, type Ctx } from './instances';
import { haConfigServiceName, haStoreEndpointsNames } from './names';
import { removeEngineAccess } from './engine-access';
import { deleteIfPresent, removeOwned } from './owned-objects';
import { removeClusterManager, upgradeClusterManager } from './manager';
import { step } from './step-kit';
import { WaitingError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function recordInMeta(ctx: Ctx, data: Record<string, string>): Promise<void> {
  await ctx.services.kube.core.patchNamespacedConfigMap({ namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name), body: { data } }, mergePatch);
}

/**
 * The seed's cleanTempMeta, narrowed: the flow's own markers and any stale interrupt go, and of the users' requests
 * only the one this transition consumed, and only if nobody wrote it again meanwhile. A request written while the
 * flow ran (say restartCluster during an AddRo), and a pending *ModifyTo, survive and fire next. The seed dropped them.
 */
async function cleanTempMeta(ctx: Ctx, consumeTrigger: boolean): Promise<void> {
  const cluster = await getCluster(ctx);
  const transition = cluster.status?.transition;
  const ours = transition && transitionKeyOf(transition.workflowId) === ctx.transitionKey;
  if (consumeTrigger && ours && transition.trigger) await ctx.services.clusters.removeAnnotationsIfUnchanged(ctx.resource, transition.trigger);
  const stale = [...flowMarkerAnnotations, ...Object.values(interruptAnnotations)].filter((k) => cluster.metadata.annotations?.[k] !== undefined);
  if (stale.length > 0) await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: Object.fromEntries(stale.map((k) => [k, null])) } });
}

export const lifecycleSteps = {
  UpdateModifyClassMeta: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    if (cluster.spec.classInfoModifyTo) await ctx.services.clusters.patchStatus(ctx.resource, { insClassInfo: cluster.spec.classInfoModifyTo });
  }),
  /** classInfo ← classInfoModifyTo, which is cleared, with tempRoIds. */
  CleanModifyClassTempMeta: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const target = cluster.spec.classInfoModifyTo;
    await ctx.services.clusters.patch(ctx.resource, {
      metadata: { annotations: { [triggerAnnotations.tempRoIds]: null } },
      spec: { ...(target ? { classInfo: target } : {}), classInfoModifyTo: null },
    });
  }),
  InitUpgradeImages: step(async (ctx) => {
    const target = (await getCluster(ctx)).spec.versionCfgModifyTo;
    await recordInMeta(ctx, { upgradeTo: target?.versionName ?? '', upgradeEngineImage: target?.engineImage ?? '' });
  }),
  UpgradeCmVersion: step(async (ctx) => {
    const image = (await getCluster(ctx)).spec.versionCfgModifyTo?.clusterManagerImage;
    if (image) await upgradeClusterManager(ctx, image);
  }),
  /** versionCfg ← versionCfgModifyTo, which is cleared, with tempRoIds. */
  CleanUpgradeTempMeta: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const target = cluster.spec.versionCfgModifyTo;
    await ctx.services.clusters.patch(ctx.resource, {
      metadata: { annotations: { [triggerAnnotations.tempRoIds]: null } },
      spec: { ...(target ? { versionCfg: { ...cluster.spec.versionCfg, ...target } } : {}), versionCfgModifyTo: null },
    });
  }),
  /** forceRebuild=T, so an interrupted or restarted rebuild triggers again; recorded as this transition's trigger, so its cleanup removes it. */
  SetRebuildTag: step(async (ctx) => {
    await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [triggerAnnotations.forceRebuild]: 'T' } } });
    const transition = (await getCluster(ctx)).status?.transition;
    if (transition && transitionKeyOf(transition.workflowId) === ctx.transitionKey) {
      // Only onto the record read: a transition written since (422 here) is not this run's to change.
      const trigger = { ...transition.trigger, [triggerAnnotations.forceRebuild]: 'T' };
      await ctx.services.clusters
        .jsonPatchStatus(ctx.resource, [
          { op: 'test', path: '/status/transition/workflowId', value: transition.workflowId },
          { op: 'add', path: '/status/transition/trigger', value: trigger },
        ])
        .catch((error: unknown) => (apiStatus(error) === 422 ? undefined : Promise.reject(error)));
    }
  }),
  CleanOldTempMeta: step((ctx) => cleanTempMeta(ctx, false)),
  RemoveClusterManager: step(removeClusterManager),
  /**
   * Every instance pod goes, standbys first: the writer, last, hands its lock to nobody, so nothing fails over while
   * the cluster is taken down. The ids stay, to be created again on the data the volume keeps.
   */
  RemoveAllInsPod: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const leader = cluster.status?.leaderInstanceId;
    const ordered = instances(cluster).sort(([a], [b]) => Number(a === leader) - Number(b === leader));
    for (const [id] of ordered) await deletePod(ctx, id);
    await patchInstances(ctx, Object.fromEntries(instances(cluster).map(([id]) => [id, { status: 'creating', currentState: { state: 'creating' } }])));
  }),
  CleanAllTempMeta: step((ctx) => cleanTempMeta(ctx, true)),
  /**
   * extendStorage with shareStore.diskQuota: the bound PVC asks for the new size (a StorageClass that does not allow
   * expansion refuses it: the flow interrupts, API_REFUSED); the size is recorded in the metadata ConfigMap once asked.
   */
  ExtendStorageFs: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const size = cluster.spec.shareStore?.diskQuota;
    if (!size) return;
    const pvc = await ctx.services.kube.core.readNamespacedPersistentVolumeClaim({ namespace: ctx.resource.namespace, name: sharePvcName(cluster) });
    // Only a bound claim can grow: until it is, nothing is done and nothing is recorded as done.
    if (pvc.status?.phase !== 'Bound') throw new WaitingError(`claim ${ctx.resource.namespace}/${sharePvcName(cluster)} is ${pvc.status?.phase ?? 'not bound'}: it grows to ${size} once bound`, 10_000);
    await ctx.services.kube.core.patchNamespacedPersistentVolumeClaim(
      { namespace: ctx.resource.namespace, name: sharePvcName(cluster), body: { spec: { resources: { requests: { storage: size } } } } },
      mergePatch,
    );
    await recordInMeta(ctx, { diskQuota: size });
  }),
  /** Deletion: the shared volume and the metadata go before the finalizer is removed. */
  ReleaseStorage: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    for (const [id] of instances(cluster)) await deletePod(ctx, id);
    await removeClusterManager(ctx);
    const { namespace } = ctx.resource;
    const core = ctx.services.kube.core;
    // The volume is the data: only this cluster's claim, never one a cluster created again under this name holds.
    const claim = sharePvcName(cluster);
    await removeOwned(cluster, () => core.readNamespacedPersistentVolumeClaim({ namespace, name: claim }), (options) => core.deleteNamespacedPersistentVolumeClaim({ namespace, name: claim, ...options }));
    const meta = metaConfigMapName(ctx.resource.name);
    await removeOwned(cluster, () => core.readNamespacedConfigMap({ namespace, name: meta }), (options) => core.deleteNamespacedConfigMap({ namespace, name: meta, ...options }));
    // The HA manager's store is its own (no owner): a cluster created again under this name must bootstrap anew.
    for (const name of haStoreEndpointsNames(ctx.resource.name)) {
      await deleteIfPresent(() => ctx.services.kube.core.deleteNamespacedEndpoints({ namespace: ctx.resource.namespace, name }));
    }
    await deleteIfPresent(() => ctx.services.kube.core.deleteNamespacedService({ namespace: ctx.resource.namespace, name: haConfigServiceName(ctx.resource.name) }));
    await removeEngineAccess(ctx, cluster);
  }),
};
