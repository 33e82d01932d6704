/**
 * Nodes as steps see them: a migration's target must exist, be schedulable and be Ready (TARGET_NODE_UNAVAILABLE
 * otherwise); a pod nothing schedules is judged against the nodes' last change of readiness and the claims it waits for.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { InterruptError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import { sleepUnlessAborted } from '../../src/infra/wait';
import type { Ctx } from './instances';
import { claimsSchedulerMisses, podInterrupts, podProblem, type PodProblem } from './pod-readiness';

/**
 * How long a node that stopped being Ready may take to come back before a step gives up on it, from when it stopped:
 * a kubelet whose status posts failed through API server restarts is marked Unknown after the controller manager's
 * 50 s grace, and is Ready again at its next post (the 25-cluster soak saw 15 to 45 s).
 */
export const nodeReadyGraceMs = 180_000;

const readyCondition = (node: V1Node) => node.status?.conditions?.find((c) => c.type === 'Ready');

/** When any node last became Ready or stopped being Ready (ms since the epoch; 0 if none says). */
async function lastNodeReadyChange(ctx: Ctx): Promise<number> {
  const nodes = (await ctx.services.kube.core.listNode()).items;
  return Math.max(0, ...nodes.map((node) => new Date(readyCondition(node)?.lastTransitionTime ?? 0).getTime()));
}

/**
 * A starting pod's problem; an unschedulable one is judged again with the nodes' last change of readiness and the
 * claims the scheduler says are missing that do exist.
 */
export async function currentPodProblem(ctx: Ctx, pod: V1Pod): Promise<PodProblem | undefined> {
  const problem = podProblem(pod, Date.now());
  if (problem?.code !== podInterrupts.unschedulable) return problem;
  return podProblem(pod, Date.now(), { nodesChangedAt: await lastNodeReadyChange(ctx), existingClaims: await existingClaims(ctx, pod) });
}

async function existingClaims(ctx: Ctx, pod: V1Pod): Promise<Set<string>> {
  const namespace = pod.metadata!.namespace!;
  const present = await Promise.all(
    claimsSchedulerMisses(pod).map(async (name) => {
      const claim = await ctx.services.kube.core.readNamespacedPersistentVolumeClaim({ namespace, name }).catch((error: unknown) => {
        if (apiStatus(error) === 404) return undefined;
        throw error;
      });
      return claim && !claim.metadata?.deletionTimestamp ? name : undefined;
    }),
  );
  return new Set(present.filter((name): name is string => name !== undefined));
}

/** Returns once the node is Ready; interrupts at once for a node that does not exist, never reported, or is cordoned. */
export async function requireReadyNode(ctx: Ctx, nodeName: string): Promise<void> {
  for (;;) {
    let node: V1Node;
    try {
      node = await ctx.services.kube.core.readNode({ name: nodeName });
    } catch (error) {
      if (apiStatus(error) === 404) throw new InterruptError('TARGET_NODE_UNAVAILABLE', `target node ${nodeName} does not exist`);
      throw error;
    }
    const ready = readyCondition(node);
    if (ready?.status === 'True') {
      if (node.spec?.unschedulable) throw new InterruptError('TARGET_NODE_UNAVAILABLE', `target node ${nodeName} is cordoned (unschedulable)`);
      return;
    }
    const problem = `target node ${nodeName} is not Ready (${ready ? `${ready.status}: ${ready.reason ?? ''} ${ready.message ?? ''}`.trim() : 'it never reported'})`;
    const notReadyForMs = ready?.lastTransitionTime ? Date.now() - new Date(ready.lastTransitionTime).getTime() : Infinity;
    if (node.spec?.unschedulable || notReadyForMs > nodeReadyGraceMs) throw new InterruptError('TARGET_NODE_UNAVAILABLE', problem);
    ctx.heartbeat({ waitingFor: `node ${nodeName} to be Ready`, problem });
    await sleepUnlessAborted(2_000, ctx.signal);
  }
}
