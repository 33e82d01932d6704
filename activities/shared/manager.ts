/** The cluster manager (a Deployment) and its view of the topology and HA switch (a ConfigMap). */
import { PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { operatorDefaults } from '../../src/operator/shared/defaults';
import { waitRolledOut } from './rollout';
import { getCluster, instances, labels, managerConfigMapName, managerDeploymentName, ownerReference, type Ctx } from './instances';
import { createOwned, removeOwned } from './owned-objects';

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


/** The cluster manager: its image, its topology ConfigMap mounted where the image reads it, a health probe. */
function managerDeployment(cluster: MPDCluster, image: string): V1Deployment {
  const name = cluster.metadata.name!;
  const selector = { [labels.managedBy]: 'mpdflow', [labels.cluster]: name, [labels.role]: 'cluster-manager' };
  const port = operatorDefaults.clusterManagerPort;
  return {
    metadata: { name: managerDeploymentName(name), labels: selector, ownerReferences: [ownerReference(cluster)] },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      // One manager at a time: the old one goes before the new one starts.
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: selector },
        spec: {
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'cluster-manager',
              image,
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'CM_PORT', value: String(port) }, { name: 'CM_TOPOLOGY_DIR', value: '/etc/mpdflow/topology' }],
              ports: [{ name: 'http', containerPort: port }],
              readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: { ...operatorDefaults.clusterManagerRequests } },
              volumeMounts: [{ name: 'topology', mountPath: '/etc/mpdflow/topology', readOnly: true }],
            },
          ],
          volumes: [{ name: 'topology', configMap: { name: managerConfigMapName(name) } }],
        },
      },
    },
  };
}

export async function createClusterManager(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  const name = managerDeploymentName(ctx.resource.name);
  const configName = managerConfigMapName(ctx.resource.name);
  await createOwned(
    cluster,
    `ConfigMap ${configName}`,
    () =>
      ctx.services.kube.core.createNamespacedConfigMap({
        namespace: ctx.resource.namespace,
        body: { metadata: { name: configName, ownerReferences: [ownerReference(cluster)] }, data: { rw: '', ro: '', ha: 'on' } },
      }),
    () => ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name: configName }),
    (options) => ctx.services.kube.core.deleteNamespacedConfigMap({ namespace: ctx.resource.namespace, name: configName, ...options }),
  );
  const image = cluster.spec.versionCfg?.clusterManagerImage || operatorDefaults.clusterManagerImage;
  await createOwned(
    cluster,
    `Deployment ${name}`,
    () => ctx.services.kube.apps.createNamespacedDeployment({ namespace: ctx.resource.namespace, body: managerDeployment(cluster, image) }),
    () => ctx.services.kube.apps.readNamespacedDeployment({ namespace: ctx.resource.namespace, name }),
    (options) => ctx.services.kube.apps.deleteNamespacedDeployment({ namespace: ctx.resource.namespace, name, ...options }),
  );
  // A resumed step after the image was fixed in the spec: the Deployment follows the spec, then rolls out.
  const existing = await ctx.services.kube.apps.readNamespacedDeployment({ namespace: ctx.resource.namespace, name });
  if (existing.spec?.template.spec?.containers[0]?.image !== image) await setManagerImage(ctx, image);
  await waitRolledOut(ctx, name);
  await ctx.services.clusters.patchStatus(ctx.resource, { clusterManagerStatus: { deployName: name, workingPort: (cluster.spec.netCfg?.engineStartPort ?? 5432) + 1000 } });
}

export async function removeClusterManager(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  const namespace = ctx.resource.namespace;
  const { apps, core } = ctx.services.kube;
  const deployment = managerDeploymentName(ctx.resource.name);
  await removeOwned(cluster, () => apps.readNamespacedDeployment({ namespace, name: deployment }), (options) => apps.deleteNamespacedDeployment({ namespace, name: deployment, ...options }));
  const config = managerConfigMapName(ctx.resource.name);
  await removeOwned(cluster, () => core.readNamespacedConfigMap({ namespace, name: config }), (options) => core.deleteNamespacedConfigMap({ namespace, name: config, ...options }));
}

export async function upgradeClusterManager(ctx: Ctx, image: string): Promise<void> {
  await setManagerImage(ctx, image);
  await waitRolledOut(ctx, managerDeploymentName(ctx.resource.name));
}

async function setManagerImage(ctx: Ctx, image: string): Promise<void> {
  await ctx.services.kube.apps.patchNamespacedDeployment(
    {
      namespace: ctx.resource.namespace,
      name: managerDeploymentName(ctx.resource.name),
      body: { spec: { template: { spec: { containers: [{ name: 'cluster-manager', image }] } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}
