/** HA on and off, switching the RW, and keeping the cluster manager pointed at the RW. */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { InterruptError } from '../../src/flows/step';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { getCluster, labels, patchInstances, podName, readPod, type Ctx } from './instances';
import { setHa, syncManagerTopology } from './manager';
import { step } from './step-kit';

/** Makes `target` the RW: roles in status, the role label on the pods, the leader id. The old RW becomes an RO. */
export async function switchLeader(ctx: Ctx, cluster: MPDCluster, target: string): Promise<void> {
  const old = cluster.status?.leaderInstanceId;
  if (old === target) return;
  if (!cluster.status?.dbInstanceStatus?.[target]) throw new InterruptError('RO_META_INVALID', `instance ${target} is not part of cluster ${ctx.resource.name}`);
  const relabel = async (insId: string, role: string) => {
    if (!(await readPod(ctx, insId))) return;
    await ctx.services.kube.core.patchNamespacedPod(
      { namespace: ctx.resource.namespace, name: podName(ctx.resource.name, insId), body: { metadata: { labels: { [labels.role]: role } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };
  await relabel(target, 'rw');
  if (old) await relabel(old, 'ro');
  await patchInstances(
    ctx,
    { [target]: { insType: 'rw', role: 'master' }, ...(old ? { [old]: { insType: 'ro', role: 'replica' } } : {}) },
    { leaderInstanceId: target },
  );
}

export const topologySteps = {
  /** The cluster manager stops failing over while the flow rearranges instances. */
  DisableHA: step((ctx) => setHa(ctx, false)),
  EnableHA: step((ctx) => setHa(ctx, true)),
  /** The cluster manager's topology follows the RW. */
  EnsureCmRwAffinity: step(async (ctx) => syncManagerTopology(ctx, await getCluster(ctx))),
  /** switchRw: the RO named by the event's insId becomes the RW. */
  SwitchRw: step(async (ctx) => {
    const target = String(ctx.params.insId ?? '');
    await switchLeader(ctx, await getCluster(ctx), target);
    await syncManagerTopology(ctx, await getCluster(ctx));
  }),
};
