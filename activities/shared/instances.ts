/**
 * The shared-storage cluster on Kubernetes objects, as the steps see it: instance ids, pods, the metadata
 * ConfigMap, the cluster manager. Every write is idempotent: a retried or resumed step finds its work done.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { InterruptError, type StepContext } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { DbInstanceStatus } from '../../src/kube/mpdcluster-schema';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { enginePod, enginePort, engineImage, wantedClassAndVersion, type EnginePodOptions } from './engine-pod';
import { engineRoles, podName } from './names';
import { ensureEngineAccess } from './engine-access';
import { withHaActive } from './ha-manager';
import { waitCaughtUpFollowing } from './elected-writer';
import { dropDepartedSynchronousStandbys, waitSynchronousSettled } from './synchronous-standbys';
import { createOwned, deleteIfPresent } from './owned-objects';
import { isPodReady, podInterrupts, type PodProblem } from './pod-readiness';
import { currentPodProblem } from './nodes';
import type { StepServices } from '../../src/flows/step-services';
import { getCluster, patchInstances } from './instance-status';

export type Ctx = StepContext<StepServices>;

export * from './names';
export { getCluster, patchInstances };

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

export async function readPod(ctx: Ctx, insId: string): Promise<V1Pod | undefined> {
  try {
    return await ctx.services.kube.core.readNamespacedPod({ namespace: ctx.resource.namespace, name: podName(ctx.resource.name, insId) });
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Deletes the instance's pod gracefully (the engine shuts down and releases its data directory) and waits until
 * the pod is gone: never two postmasters of one instance on the shared volume.
 */
export async function deletePod(ctx: Ctx, insId: string): Promise<void> {
  const name = podName(ctx.resource.name, insId);
  if (await readPod(ctx, insId)) {
    await waitSynchronousSettled(ctx);
  }
  await deleteIfPresent(() => ctx.services.kube.core.deleteNamespacedPod({ namespace: ctx.resource.namespace, name }));
  const deadline = Date.now() + podGoneTimeoutMs;
  for (let pod = await readPod(ctx, insId); pod; pod = await readPod(ctx, insId)) {
    if (Date.now() > deadline) throw new Error(`pod ${name} is still terminating after ${podGoneTimeoutMs / 1000} s: is its node's kubelet running?`);
    ctx.heartbeat({ waitingFor: `${name} to terminate` });
    await sleepUnlessAborted(250, ctx.signal);
  }
  // Made synchronous just before it went (Patroni picks from a moment-old view): no commit may wait for it now.
  await dropDepartedSynchronousStandbys(ctx);
}

/** The grace period (30 s) and time for the kubelet to report the pod gone. */
const podGoneTimeoutMs = 120_000;

/** Waits until the instance's pod is Ready (heartbeating, honouring cancel); one that will not be interrupts. */
export async function waitPodReady(ctx: Ctx, insId: string): Promise<V1Pod> {
  for (;;) {
    const pod = await readPod(ctx, insId);
    if (!pod) throw new InterruptError(podInterrupts.lost, `pod ${podName(ctx.resource.name, insId)} disappeared while starting`);
    if (isPodReady(pod) && !pod.metadata?.deletionTimestamp) return pod;
    const problem = await currentPodProblem(ctx, pod);
    if (problem) throw new InterruptError(problem.code, await withEngineLog(ctx, pod, problem));
    ctx.heartbeat({ waitingFor: pod.metadata?.name });
    await sleepUnlessAborted(250, ctx.signal);
  }
}

/** The failed engine's last words, when it failed to start and its log can be read. */
async function withEngineLog(ctx: Ctx, pod: V1Pod, problem: PodProblem): Promise<string> {
  if (problem.code !== podInterrupts.startFailed || !pod.status?.containerStatuses?.[0]?.lastState?.terminated) return problem.message;
  try {
    const log = await ctx.services.kube.core.readNamespacedPodLog({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, container: 'engine', previous: true, tailLines: 3 });
    return `${problem.message}; its log ends: ${String(log).trim().split('\n').join(' | ')}`;
  } catch {
    return problem.message;
  }
}

/**
 * Creates (if missing) and waits for the pod of one instance, then records it in status.dbInstanceStatus with the
 * node the scheduler chose. A pod left failing by an earlier attempt, or being deleted, is replaced first. A standby
 * counts as there once it has caught up with the RW. The HA manager runs while the pod starts (it starts nothing
 * while paused) and is paused again once it is Ready, if a flow had paused it.
 */
export async function ensureInstancePod(ctx: Ctx, cluster: MPDCluster, insId: string, role: 'rw' | 'ro' | 'tempro', options: EnginePodOptions = {}): Promise<void> {
  await ensureEngineAccess(ctx, cluster);
  const existing = await readPod(ctx, insId);
  if (existing && (await currentPodProblem(ctx, existing))) await deletePod(ctx, insId);
  const name = podName(ctx.resource.name, insId);
  const pod = await withHaActive(ctx, async () => {
    await createOwned(
      cluster,
      `pod ${name}`,
      () => ctx.services.kube.core.createNamespacedPod({ namespace: ctx.resource.namespace, body: enginePod(cluster, insId, options) }),
      () => ctx.services.kube.core.readNamespacedPod({ namespace: ctx.resource.namespace, name }),
      (options) => ctx.services.kube.core.deleteNamespacedPod({ namespace: ctx.resource.namespace, name, ...options }),
    );
    return waitPodReady(ctx, insId);
  });
  // Caught up with failover paused again: a standby streams the same either way, and the writer is not raced.
  if (role !== 'rw') await waitCaughtUpFollowing(ctx, [insId]);
  const { classInfo, version } = wantedClassAndVersion(cluster, options.useModifyTo);
  await patchInstances(ctx, {
    [insId]: {
      insId,
      insType: role,
      role: role === 'rw' ? engineRoles.leader : engineRoles.replica,
      podName: pod.metadata?.name,
      podNameSpace: pod.metadata?.namespace,
      nodeName: pod.spec?.nodeName,
      hostClientIP: pod.status?.hostIP ?? '',
      netInfo: { podIP: pod.status?.podIP ?? '', port: enginePort(cluster) },
      installed: true,
      status: 'running',
      ...(classInfo.className ? { insClassInfo: classInfo } : {}),
      ...(version.versionName || version.engineImage ? { versionInfo: { ...version, engineImage: engineImage(version) } } : {}),
      currentState: { state: 'running', startAt: new Date().toISOString() },
    },
  });
}
