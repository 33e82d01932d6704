/** Creating a cluster: metadata, shared storage, the RW and RO pods, the cluster manager, Running. */
import { mpdFinalizer } from '../../src/kube/annotations';
import { ensureInstancePod, getCluster, instances, metaConfigMapName, ownerReference, patchInstances, sharePvcName } from './instances';
import { initialInstanceIds } from './names';
import { createOwned } from './owned-objects';
import { createClusterManager, syncManagerTopology } from './manager';
import { step } from './step-kit';
import { retryOnConflict } from './conflict-retry';
import { dropDepartedSynchronousStandbys } from './synchronous-standbys';

export const createSteps = {
  /** Finalizer, the metadata ConfigMap, and the instance ids (one RW, followerNum RO) in status. */
  InitMeta: step(async (ctx) => {
    const cluster = await retryOnConflict(async () => {
      const read = await getCluster(ctx);
      const finalizers = read.metadata.finalizers ?? [];
      if (finalizers.includes(mpdFinalizer)) return read;
      return ctx.services.clusters.patch(ctx.resource, { metadata: { finalizers: [...finalizers, mpdFinalizer] } }, read.metadata.resourceVersion);
    });
    const metaName = metaConfigMapName(ctx.resource.name);
    await createOwned(
      cluster,
      `ConfigMap ${metaName}`,
      () =>
        ctx.services.kube.core.createNamespacedConfigMap({
          namespace: ctx.resource.namespace,
          body: {
            metadata: { name: metaName, ownerReferences: [ownerReference(cluster)] },
            data: { logicId: cluster.metadata.uid ?? '', engineStartPort: String(cluster.spec.netCfg?.engineStartPort ?? 5432) },
          },
        }),
      () => ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name: metaName }),
      (options) => ctx.services.kube.core.deleteNamespacedConfigMap({ namespace: ctx.resource.namespace, name: metaName, ...options }),
    );
    if (instances(cluster).length > 0) return;
    const entries = Object.fromEntries(
      initialInstanceIds(cluster.spec.followerNum ?? 0).map((insId, i) => [
        insId,
        { insId, insType: i === 0 ? ('rw' as const) : ('ro' as const), status: 'creating', currentState: { state: 'creating' } },
      ]),
    );
    await patchInstances(ctx, entries, { leaderInstanceId: 'ins-1', logicId: cluster.metadata.uid });
  }),

  /** The shared volume all instances mount: a PVC of spec.shareStore.diskQuota. */
  PrepareStorage: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const claim = sharePvcName(cluster);
    await createOwned(
      cluster,
      `PersistentVolumeClaim ${claim}`,
      () =>
        ctx.services.kube.core.createNamespacedPersistentVolumeClaim({
          namespace: ctx.resource.namespace,
          body: {
            metadata: { name: claim, ownerReferences: [ownerReference(cluster)] },
            spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: cluster.spec.shareStore?.diskQuota || '10Gi' } } },
          },
        }),
      () => ctx.services.kube.core.readNamespacedPersistentVolumeClaim({ namespace: ctx.resource.namespace, name: claim }),
      (options) => ctx.services.kube.core.deleteNamespacedPersistentVolumeClaim({ namespace: ctx.resource.namespace, name: claim, ...options }),
    );
  }),

  CreateClusterManager: step(createClusterManager),

  CreateRwPod: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const leader = cluster.status?.leaderInstanceId;
    if (!leader) throw new Error('no leader instance id: InitMeta did not run');
    await ensureInstancePod(ctx, cluster, leader, 'rw');
  }),

  CreateRoPods: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    for (const [insId, ins] of instances(cluster)) if (ins.insType === 'ro') await ensureInstancePod(ctx, cluster, insId, 'ro');
  }),

  /** Registers the instances with the cluster manager (its topology ConfigMap). */
  AddToClusterManager: step(async (ctx) => syncManagerTopology(ctx, await getCluster(ctx))),

  /** The seed's way out of every flow, kept as a no-op alias: the engine writes Running and the operator's summary (stable-status.ts) when a flow completes. */
  /** Before the flow reports Running: no commit waits for a synchronous standby that is gone. */
  UpdateRunningStatus: step((ctx) => dropDepartedSynchronousStandbys(ctx)),
};
