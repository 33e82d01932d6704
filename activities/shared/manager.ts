/** The cluster manager (a Deployment) and its view of the topology and HA switch (a ConfigMap). */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { createIfMissing, deleteIfPresent, getCluster, instances, labels, managerConfigMapName, managerDeploymentName, ownerReference, type Ctx } from './instances';

const mergePatchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export async function syncManagerTopology(ctx: Ctx, cluster: MPDCluster): Promise<void> {
  const ro = instances(cluster).filter(([, ins]) => ins.insType === 'ro').map(([id]) => id);
  await ctx.services.kube.core.patchNamespacedConfigMap(
    { namespace: ctx.resource.namespace, name: managerConfigMapName(ctx.resource.name), body: { data: { rw: cluster.status?.leaderInstanceId ?? '', ro: ro.join(',') } } },
    mergePatchOptions,
  );
}

export async function setHa(ctx: Ctx, on: boolean): Promise<void> {
  await ctx.services.kube.core.patchNamespacedConfigMap(
    { namespace: ctx.resource.namespace, name: managerConfigMapName(ctx.resource.name), body: { data: { ha: on ? 'on' : 'off' } } },
    mergePatchOptions,
  );
}


export async function createClusterManager(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  const name = managerDeploymentName(ctx.resource.name);
  const selector = { [labels.managedBy]: 'mpdflow', [labels.cluster]: ctx.resource.name, [labels.role]: 'cluster-manager' };
  await createIfMissing(() =>
    ctx.services.kube.core.createNamespacedConfigMap({
      namespace: ctx.resource.namespace,
      body: { metadata: { name: managerConfigMapName(ctx.resource.name), ownerReferences: [ownerReference(cluster)] }, data: { rw: '', ro: '', ha: 'on' } },
    }),
  );
  await createIfMissing(() =>
    ctx.services.kube.apps.createNamespacedDeployment({
      namespace: ctx.resource.namespace,
      body: {
        metadata: { name, labels: selector, ownerReferences: [ownerReference(cluster)] },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels: selector },
            spec: { containers: [{ name: 'cluster-manager', image: cluster.spec.versionCfg?.clusterManagerImage || 'polardb/cluster-manager:latest' }] },
          },
        },
      },
    }),
  );
  await ctx.services.clusters.patchStatus(ctx.resource, { clusterManagerStatus: { deployName: name, workingPort: (cluster.spec.netCfg?.engineStartPort ?? 5432) + 1000 } });
}

export async function removeClusterManager(ctx: Ctx): Promise<void> {
  await deleteIfPresent(() => ctx.services.kube.apps.deleteNamespacedDeployment({ namespace: ctx.resource.namespace, name: managerDeploymentName(ctx.resource.name) }));
}

export async function upgradeClusterManager(ctx: Ctx, image: string): Promise<void> {
  await ctx.services.kube.apps.patchNamespacedDeployment(
    {
      namespace: ctx.resource.namespace,
      name: managerDeploymentName(ctx.resource.name),
      body: { spec: { template: { spec: { containers: [{ name: 'cluster-manager', image }] } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}
