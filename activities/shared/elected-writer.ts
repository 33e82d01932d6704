/**
 * The writer the HA manager elected, recorded. Failover runs while a flow starts a pod (Patroni starts nothing while
 * paused), so a standby may be promoted under a flow; the status must name it before the flow's steps go on, or they
 * wait for the writer to catch up with itself (the 25-cluster soak of 2026-12-08: three creates failed CreateRoPods 11
 * times, each attempt finding the same promoted standby).
 */
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { clusterView, insIdOf, StandbyPromotedError, waitCaughtUp } from './ha-manager';
import { getCluster, patchInstances } from './instance-status';
import type { Ctx } from './instances';
import { engineRoles } from './names';

/** Records `leader` as the RW in status (roles of the old and the new RW); the processes already are. */
export async function recordLeader(ctx: Ctx, cluster: MPDCluster, leader: string): Promise<void> {
  const old = cluster.status?.leaderInstanceId;
  if (old === leader && cluster.status?.dbInstanceStatus?.[leader]?.insType === 'rw') return;
  await patchInstances(
    ctx,
    { [leader]: { insType: 'rw', role: engineRoles.leader }, ...(old && cluster.status?.dbInstanceStatus?.[old] ? { [old]: { insType: 'ro', role: engineRoles.replica } } : {}) },
    { leaderInstanceId: leader },
  );
}

/** Records the writer the HA manager elected when the status names another. */
export async function followElectedWriter(ctx: Ctx): Promise<void> {
  const elected = insIdOf((await clusterView(ctx)).leader);
  const cluster = await getCluster(ctx);
  if (cluster.status?.dbInstanceStatus?.[elected]) await recordLeader(ctx, cluster, elected);
}

/**
 * Waits until every instance named has caught up with the RW. One of them promoted meanwhile is recorded as the
 * writer before the attempt fails, so the step's retry reads the cluster as it is and follows it.
 */
export async function waitCaughtUpFollowing(ctx: Ctx, insIds: string[], timeoutMs?: number): Promise<void> {
  try {
    await waitCaughtUp(ctx, insIds, timeoutMs);
  } catch (error) {
    if (error instanceof StandbyPromotedError) await followElectedWriter(ctx);
    throw error;
  }
}
