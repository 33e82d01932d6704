/** Waiting for a Deployment (the cluster manager) to roll out a Ready pod, with its pods' problems as interrupts. */
import { InterruptError } from '../../src/flows/step';
import { sleepUnlessAborted } from '../../src/infra/wait';
import type { Ctx } from './instances';
import { currentPodProblem } from './nodes';
import { podInterrupts } from './pod-readiness';

export async function waitRolledOut(ctx: Ctx, name: string): Promise<void> {
  const namespace = ctx.resource.namespace;
  for (;;) {
    const deployment = await ctx.services.kube.apps.readNamespacedDeployment({ namespace, name });
    if (deployment.metadata?.deletionTimestamp) throw new Error(`deployment ${namespace}/${name} is being deleted; trying again once it is gone`);
    const want = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
    if (observed && status.updatedReplicas === want && status.readyReplicas === want && status.replicas === want) return;
    const selector = Object.entries(deployment.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    for (const pod of (await ctx.services.kube.core.listNamespacedPod({ namespace, labelSelector: selector })).items) {
      const problem = await currentPodProblem(ctx, pod);
      // A pod being deleted is the rollout replacing it, not a loss.
      if (problem && problem.code !== podInterrupts.lost) throw new InterruptError(problem.code, `cluster manager ${name}: ${problem.message}`);
    }
    ctx.heartbeat({ waitingFor: `deployment ${name} to roll out` });
    await sleepUnlessAborted(500, ctx.signal);
  }
}
