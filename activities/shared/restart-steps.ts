/**
 * Restarts replace pods: each restarted pod carries the transition's key, so a retried step, or a run resumed after
 * recovery (a new run of the same transition), skips the pods it already restarted.
 */
import { InterruptError } from '../../src/flows/step';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { unknownInstance } from '../../src/operator/shared/instance-ids';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { deletePod, ensureInstancePod, getCluster, instances, podAnnotations, readPod, type Ctx } from './instances';
import { step } from './step-kit';

async function restartInstance(ctx: Ctx, cluster: MPDCluster, insId: string): Promise<void> {
  const ins = cluster.status?.dbInstanceStatus?.[insId];
  // Never create what is not there: a pod for an unknown id would become a phantom instance.
  if (!ins) throw new InterruptError('INS_NOT_FOUND', unknownInstance(cluster, insId));
  const pod = await readPod(ctx, insId);
  // A pod of this transition is the restart done (or under way): waited for, and replaced only if it failed.
  if (pod?.metadata?.annotations?.[podAnnotations.restartToken] !== ctx.transitionKey) await deletePod(ctx, insId);
  await ensureInstancePod(ctx, cluster, insId, ins.insType === 'rw' ? 'rw' : 'ro', { restartToken: ctx.transitionKey, ...(ins.nodeName ? { preferNode: ins.nodeName } : {}) });
}

export async function restartCluster(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  for (const [insId] of instances(cluster)) await restartInstance(ctx, cluster, insId);
}

export const restartSteps = {
  RestartCluster: step(restartCluster),
  /** restartIns: the instance named by the event's insId. */
  RestartIns: step(async (ctx) => restartInstance(ctx, await getCluster(ctx), String(ctx.params.insId ?? ''))),
  /** After FlushParams: restart only when a flushed parameter needs it. */
  RestartClusterIfNeed: step(async (ctx) => {
    if ((await getCluster(ctx)).metadata.annotations?.[triggerAnnotations.flushParamsRestartCluster] === 'true') await restartCluster(ctx);
  }),
};
