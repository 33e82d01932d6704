/**
 * A planned switch of the writer: the target standby must have caught up (synchronous, replaying everything the RW
 * committed), then the HA manager hands over (the RW stops cleanly, the target is promoted, the old RW follows it),
 * and only then does the cluster's status say so. A retry finds the target leading and just finishes the bookkeeping.
 */
import { InterruptError } from '../../src/flows/step';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { patroniCredentials } from './engine-access';
import { clusterView, enginePods, insIdOf, leaderPod } from './ha-manager';
import { recordLeader, waitCaughtUpFollowing } from './elected-writer';
import { getCluster, podName, readPod, type Ctx } from './instances';
import { engineRoles, labels } from './names';
import { isLeaderRole, patroni, PatroniError } from './patroni';

const switchTimeoutMs = 90_000;

/** Makes `target` the writer, for real, and records it. */
export async function switchWriterTo(ctx: Ctx, target: string): Promise<void> {
  const cluster = await getCluster(ctx);
  if (!cluster.status?.dbInstanceStatus?.[target]) throw new InterruptError('RO_META_INVALID', `instance ${target} is not part of cluster ${ctx.resource.name}`);
  const targetPod = podName(ctx.resource.name, target);
  if (!(await readPod(ctx, target))) throw new InterruptError('POD_LOST', `pod ${targetPod} of the switch's target does not exist`);
  const current = await leaderPod(ctx);
  const oldLeader = current ? insIdOf(current) : undefined;
  if (oldLeader !== target) {
    await waitCaughtUpFollowing(ctx, [target]);
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
