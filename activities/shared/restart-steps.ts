/** Restarts replace pods: each restarted pod carries the run's token, so a resumed step skips the ones done. */
import { triggerAnnotations } from '../../src/kube/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { deletePod, ensureInstancePod, getCluster, instances, podAnnotations, readPod, type Ctx } from './instances';
import { step } from './step-kit';

async function restartInstance(ctx: Ctx, cluster: MPDCluster, insId: string): Promise<void> {
  const pod = await readPod(ctx, insId);
  if (pod?.metadata?.annotations?.[podAnnotations.restartToken] === ctx.runId) return;
  const ins = cluster.status?.dbInstanceStatus?.[insId];
  await deletePod(ctx, insId);
  await ensureInstancePod(ctx, cluster, insId, ins?.insType === 'rw' ? 'rw' : 'ro', { restartToken: ctx.runId, ...(ins?.nodeName ? { node: ins.nodeName } : {}) });
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
