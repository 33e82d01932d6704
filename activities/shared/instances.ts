/**
 * The shared-storage cluster on Kubernetes objects, as the steps see it: instance ids, pods, the metadata
 * ConfigMap, the cluster manager. Every write is idempotent: a retried or resumed step finds its work done.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { InterruptError, type StepContext } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { mpdClusterApi, mpdClusterApiVersion } from '../../src/kube/mpdcluster';
import type { DbInstanceStatus } from '../../src/kube/mpdcluster-schema';
import { sleepUnlessAborted } from '../../src/infra/wait';
import type { StepServices } from '../../src/flows/step-services';

export type Ctx = StepContext<StepServices>;

export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'mpd.polardb.aliyun.com/cluster',
  insId: 'mpd.polardb.aliyun.com/ins-id',
  role: 'mpd.polardb.aliyun.com/role',
} as const;
export const podAnnotations = { restartToken: 'mpd.polardb.aliyun.com/restart-token', className: 'mpd.polardb.aliyun.com/class', version: 'mpd.polardb.aliyun.com/version' } as const;

export const metaConfigMapName = (cluster: string) => `${cluster}-meta`;
export const managerConfigMapName = (cluster: string) => `${cluster}-cm-config`;
export const managerDeploymentName = (cluster: string) => `${cluster}-cm`;
export const userParamsConfigMapName = (cluster: string) => `${cluster}-user-params`;
export const appliedParamsConfigMapName = (cluster: string) => `${cluster}-params-applied`;
export const podName = (cluster: string, insId: string) => `${cluster}-${insId}`;
export const sharePvcName = (cluster: MPDCluster) => cluster.spec.shareStore?.sharePvcName || `${cluster.metadata.name}-share`;

export async function getCluster(ctx: Ctx): Promise<MPDCluster> {
  return ctx.services.clusters.get(ctx.resource);
}

export function ownerReference(cluster: MPDCluster) {
  return { apiVersion: mpdClusterApiVersion, kind: mpdClusterApi.kind, name: cluster.metadata.name!, uid: cluster.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Creates an object unless it exists (409 is success: an earlier attempt made it). */
export async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
  }
}

export async function deleteIfPresent(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
}

export function instances(cluster: MPDCluster): Array<[string, DbInstanceStatus]> {
  return Object.entries(cluster.status?.dbInstanceStatus ?? {}).sort(([a], [b]) => insNumber(a) - insNumber(b));
}

const insNumber = (insId: string) => Number(/(\d+)$/.exec(insId)?.[1] ?? 0);

/** The next free instance id, past every id in the status and in tempRoIds. */
export function nextInsId(cluster: MPDCluster, reserved: string[] = []): string {
  const used = [...Object.keys(cluster.status?.dbInstanceStatus ?? {}), ...tempRoIds(cluster), ...reserved].map(insNumber);
  return `ins-${Math.max(0, ...used) + 1}`;
}

export function tempRoIds(cluster: MPDCluster): string[] {
  return (cluster.metadata.annotations?.tempRoIds ?? '').split(',').filter(Boolean);
}

/** A node for an instance: spread by id over the nodes the cluster may use; a migration names its own. */
export function nodeFor(insId: string): string {
  return `node-${((insNumber(insId) - 1) % 3) + 1}`;
}

/** Merge-patches entries of status.dbInstanceStatus (null deletes one). */
export async function patchInstances(ctx: Ctx, entries: Record<string, Partial<DbInstanceStatus> | null>, extra: Record<string, unknown> = {}): Promise<void> {
  await ctx.services.clusters.patchStatus(ctx.resource, { dbInstanceStatus: entries as Record<string, DbInstanceStatus>, ...extra });
}

/** The engine pod of one instance, with the cluster's image and class (or the ones it is moving to). */
export function enginePod(cluster: MPDCluster, insId: string, role: string, options: { node?: string; restartToken?: string; useModifyTo?: boolean }): V1Pod {
  const name = cluster.metadata.name!;
  const classInfo = (options.useModifyTo && cluster.spec.classInfoModifyTo?.className ? cluster.spec.classInfoModifyTo : cluster.spec.classInfo) ?? {};
  const version = (options.useModifyTo && cluster.spec.versionCfgModifyTo?.versionName ? cluster.spec.versionCfgModifyTo : cluster.spec.versionCfg) ?? {};
  const resources = { ...(classInfo.cpu ? { cpu: classInfo.cpu } : {}), ...(classInfo.memory ? { memory: classInfo.memory } : {}) };
  return {
    metadata: {
      name: podName(name, insId),
      namespace: cluster.metadata.namespace,
      labels: { [labels.managedBy]: 'mpdflow', [labels.cluster]: name, [labels.insId]: insId, [labels.role]: role },
      annotations: {
        [podAnnotations.className]: classInfo.className ?? '',
        [podAnnotations.version]: version.versionName ?? '',
        ...(options.restartToken ? { [podAnnotations.restartToken]: options.restartToken } : {}),
      },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      nodeName: options.node ?? nodeFor(insId),
      containers: [
        {
          name: 'engine',
          image: version.engineImage || 'polardb/polardb-engine:latest',
          ports: [{ containerPort: cluster.spec.netCfg?.engineStartPort ?? 5432 }],
          resources: Object.keys(resources).length ? { requests: resources, limits: resources } : {},
          volumeMounts: [{ name: 'shared', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: sharePvcName(cluster) } }],
      restartPolicy: 'Always',
    },
  };
}

export async function readPod(ctx: Ctx, insId: string): Promise<V1Pod | undefined> {
  try {
    return await ctx.services.kube.core.readNamespacedPod({ namespace: ctx.resource.namespace, name: podName(ctx.resource.name, insId) });
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

export async function deletePod(ctx: Ctx, insId: string): Promise<void> {
  await deleteIfPresent(() => ctx.services.kube.core.deleteNamespacedPod({ namespace: ctx.resource.namespace, name: podName(ctx.resource.name, insId), gracePeriodSeconds: 0 }));
  // Without a kubelet a deleted pod is gone at once; on a real cluster wait until it is.
  while (await readPod(ctx, insId)) await sleepUnlessAborted(200, ctx.signal);
}

const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Waits until the instance's pod is Ready (heartbeating, honouring cancel); a failed or vanished pod interrupts. */
export async function waitPodReady(ctx: Ctx, insId: string): Promise<V1Pod> {
  for (;;) {
    const pod = await readPod(ctx, insId);
    if (!pod) throw new InterruptError('POD_LOST', `pod ${podName(ctx.resource.name, insId)} disappeared while starting`);
    if (pod.status?.phase === 'Failed') throw new InterruptError('DB_START_FAIL', `pod ${pod.metadata?.name} failed: ${pod.status.message ?? pod.status.reason ?? 'no reason given'}`);
    if (isReady(pod)) return pod;
    ctx.heartbeat({ waitingFor: pod.metadata?.name });
    await sleepUnlessAborted(250, ctx.signal);
  }
}

/** Creates (if missing) and waits for the pod of one instance, then records it in status.dbInstanceStatus. */
export async function ensureInstancePod(ctx: Ctx, cluster: MPDCluster, insId: string, role: 'rw' | 'ro' | 'tempro', options: Parameters<typeof enginePod>[3] = {}): Promise<void> {
  await createIfMissing(() => ctx.services.kube.core.createNamespacedPod({ namespace: ctx.resource.namespace, body: enginePod(cluster, insId, role === 'tempro' ? 'ro' : role, options) }));
  const pod = await waitPodReady(ctx, insId);
  const useModifyTo = options.useModifyTo ?? false;
  const classInfo = useModifyTo && cluster.spec.classInfoModifyTo?.className ? cluster.spec.classInfoModifyTo : cluster.spec.classInfo;
  const version = useModifyTo && cluster.spec.versionCfgModifyTo?.versionName ? cluster.spec.versionCfgModifyTo : cluster.spec.versionCfg;
  await patchInstances(ctx, {
    [insId]: {
      insId,
      insType: role,
      role: role === 'rw' ? 'master' : 'replica',
      podName: pod.metadata?.name,
      podNameSpace: pod.metadata?.namespace,
      nodeName: pod.spec?.nodeName,
      hostClientIP: pod.status?.hostIP ?? '',
      installed: true,
      status: 'running',
      ...(classInfo ? { insClassInfo: classInfo } : {}),
      ...(version ? { versionInfo: version } : {}),
      currentState: { state: 'running', startAt: new Date().toISOString() },
    },
  });
}
