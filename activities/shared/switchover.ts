/**
 * A planned switch of the writer: the target standby must have caught up (synchronous, replaying everything the RW
 * committed), then the HA manager hands over (the RW stops cleanly, the target is promoted, the old RW follows it),
 * and only then does the cluster's status say so. A retry finds the target leading and just finishes the bookkeeping.
 */
import { InterruptError } from '../../src/flows/step';
import { sleepUnlessAborted } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { patroniCredentials } from './engine-access';
import { clusterView, enginePods, insIdOf, leaderPod, waitCaughtUp } from './ha-manager';
import { getCluster, patchInstances, podName, readPod, type Ctx } from './instances';
import { engineRoles, labels } from './names';
import { isLeaderRole, patroni, PatroniError } from './patroni';

const switchTimeoutMs = 90_000;

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

/**
 * Records the writer the HA manager elected when the status names another. Failover runs while a flow starts a pod (Patroni
 * starts nothing while paused), so a standby may have been promoted under the flow; its later steps must not wait
 * for the writer to catch up with itself.
 */
export async function followElectedWriter(ctx: Ctx): Promise<void> {
  const elected = insIdOf((await clusterView(ctx)).leader);
  const cluster = await getCluster(ctx);
  if (cluster.status?.dbInstanceStatus?.[elected]) await recordLeader(ctx, cluster, elected);
}

/** Makes `target` the writer, for real, and records it. */
export async function switchWriterTo(ctx: Ctx, target: string): Promise<void> {
  const cluster = await getCluster(ctx);
  if (!cluster.status?.dbInstanceStatus?.[target]) throw new InterruptError('RO_META_INVALID', `instance ${target} is not part of cluster ${ctx.resource.name}`);
  const targetPod = podName(ctx.resource.name, target);
  if (!(await readPod(ctx, target))) throw new InterruptError('POD_LOST', `pod ${targetPod} of the switch's target does not exist`);
  const current = await leaderPod(ctx);
  const oldLeader = current ? insIdOf(current) : undefined;
  if (oldLeader !== target) {
    await waitCaughtUp(ctx, [target]);
    const { leader } = await clusterView(ctx);
    try {
      await patroni.switchover(leader, await patroniCredentials(ctx), leader.metadata!.name!, targetPod);
    } catch (error) {
      // Patroni refuses with its reason (not caught up, a switch already under way): the step's retry asks again.
      if (error instanceof PatroniError) throw new Error(`switchover to ${target} refused: ${error.message}`);
      throw error;
    }
  }
  await waitRolesAfterSwitch(ctx, target, oldLeader);
  await recordLeader(ctx, await getCluster(ctx), target);
}

/** The target leads (its label and its own word) and the old writer, if still there, runs as its standby. */
async function waitRolesAfterSwitch(ctx: Ctx, target: string, oldLeader: string | undefined): Promise<void> {
  const deadline = Date.now() + switchTimeoutMs;
  for (;;) {
    const pods = await enginePods(ctx);
    const leaders = pods.filter((pod) => pod.metadata?.labels?.[labels.role] === engineRoles.leader);
    const targetPod = pods.find((pod) => insIdOf(pod) === target);
    const targetSays = targetPod ? await patroni.member(targetPod).catch(() => undefined) : undefined;
    const oldPod = oldLeader && oldLeader !== target ? pods.find((pod) => insIdOf(pod) === oldLeader) : undefined;
    const oldSays = oldPod ? await patroni.member(oldPod).catch(() => undefined) : undefined;
    const targetLeads = leaders.length === 1 && insIdOf(leaders[0]!) === target && isLeaderRole(targetSays?.role) && targetSays?.state === 'running';
    const oldFollows = !oldPod || (oldSays?.role === 'replica' && oldSays.state === 'running');
    if (targetLeads && oldFollows) return;
    if (Date.now() > deadline) {
      throw new Error(
        `after the switch to ${target}: leaders by label [${leaders.map(insIdOf).join(', ')}], ${target} says ${targetSays?.role ?? 'nothing'}/${targetSays?.state ?? '-'}` +
          (oldPod ? `, ${oldLeader} says ${oldSays?.role ?? 'nothing'}/${oldSays?.state ?? '-'}` : ''),
      );
    }
    ctx.heartbeat({ waitingFor: `${target} to lead${oldPod ? ` and ${oldLeader} to follow it` : ''}` });
    await sleepUnlessAborted(250, ctx.signal);
  }
}
