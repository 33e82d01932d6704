/**
 * Restarts ask the HA manager to restart PostgreSQL in place (a new postmaster, same pod, same role; allowed while
 * failover is paused). The pod records, before the restart, the transition's key and the postmaster's start time it
 * saw: a retried step, or a run resumed after recovery, finds a newer postmaster and skips that instance. A restart
 * the HA manager is too busy to take (its own start attempts, one a cancelled run asked for) is asked again. A
 * restarted writer leads again before the step goes on. A restart is done when every standby it touched streams the
 * writer's data again (a flow never says Running over a replica that stopped following).
 */
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { InterruptError } from '../../src/flows/step';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { unknownInstance } from '../../src/operator/shared/instance-ids';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { patroniCredentials } from './engine-access';
import { ensureInstancePod, getCluster, instances, podAnnotations, podName, readPod, waitPodReady, type Ctx } from './instances';
import { waitCaughtUpFollowing } from './elected-writer';
import { patroni, PatroniError } from './patroni';
import { step } from './step-kit';
import { ensureWriterLeads } from './writer-lead';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A restarted writer leads again: one whose engine had failed to start comes back a standby, leading nothing. */
async function restartInstance(ctx: Ctx, cluster: MPDCluster, insId: string): Promise<void> {
  await restartPostmaster(ctx, cluster, insId);
  if (insId === cluster.status?.leaderInstanceId) await ensureWriterLeads(ctx, insId);
}

async function restartPostmaster(ctx: Ctx, cluster: MPDCluster, insId: string): Promise<void> {
  const ins = cluster.status?.dbInstanceStatus?.[insId];
  // Never create what is not there: a pod for an unknown id would become a phantom instance.
  if (!ins) throw new InterruptError('INS_NOT_FOUND', unknownInstance(cluster, insId));
  const pod = await readPod(ctx, insId);
  // No pod: a new one is a new postmaster.
  if (!pod) return ensureInstancePod(ctx, cluster, insId, ins.insType === 'rw' ? 'rw' : 'ro', ins.nodeName ? { preferNode: ins.nodeName } : {});
  const member = await patroni.member(pod).catch((error: unknown) => {
    throw new InterruptError('DB_NOT_RUNNING', `the engine of ${insId} does not answer: ${(error as Error).message}`);
  });
  const [token, seenStart] = (pod.metadata?.annotations?.[podAnnotations.restartToken] ?? '').split('@');
  // Done only if this transition restarted it and that newer postmaster runs: a stopped engine has no start time at all.
  if (token === ctx.transitionKey && member.state === 'running' && member.postmaster_start_time && seenStart !== member.postmaster_start_time) return;
  await ctx.services.kube.core.patchNamespacedPod(
    {
      namespace: ctx.resource.namespace,
      name: podName(ctx.resource.name, insId),
      body: { metadata: { annotations: { [podAnnotations.restartToken]: `${ctx.transitionKey}@${member.postmaster_start_time ?? ''}` } } },
    },
    mergePatch,
  );
  try {
    await restartWhenFree(ctx, pod);
  } catch (error) {
    // The HA manager tried and PostgreSQL did not start: its own words are in the pod's log.
    if (error instanceof PatroniError && error.status === 503 && !busy(error)) {
      throw new InterruptError('DB_START_FAIL', `the engine of ${insId} does not start: ${await engineErrors(ctx, insId)}`);
    }
    if (error instanceof PatroniError) throw new Error(`restart of ${insId} refused: ${error.message}`);
    throw error;
  }
  await waitPodReady(ctx, insId);
}

/** The HA manager answers this while another of its actions runs (its own start attempt, a crash recovery, a restart). */
const busy = (error: PatroniError) => error.status === 503 && /in progress/i.test(error.message);
/** How long a restart waits for the HA manager to be free before the step's retry takes over. */
const busyWaitMs = 60_000;

/**
 * Asks for the restart again, every quarter second, while the HA manager is busy: an engine that fails to start keeps
 * it busy with its own attempts most of each loop, and a step retry's growing backoff would keep missing the gaps.
 */
async function restartWhenFree(ctx: Ctx, pod: V1Pod): Promise<void> {
  const deadline = Date.now() + busyWaitMs;
  for (;;) {
    try {
      return void (await patroni.restart(pod, await patroniCredentials(ctx)));
    } catch (error) {
      if (!(error instanceof PatroniError && busy(error)) || Date.now() > deadline) throw error;
      ctx.heartbeat({ waitingFor: `the HA manager (${error.message})` });
      await sleepUnlessAborted(250, ctx.signal);
    }
  }
}

/** PostgreSQL's last FATAL (or PANIC) in the engine's log, with what the same process said just before it (the cause). */
async function engineErrors(ctx: Ctx, insId: string): Promise<string> {
  try {
    const log = String(await ctx.services.kube.core.readNamespacedPodLog({ namespace: ctx.resource.namespace, name: podName(ctx.resource.name, insId), container: 'engine', tailLines: 200 }));
    const lines = log.split('\n').map((line) => line.trim());
    const last = lines.map((line) => /\b(FATAL|PANIC):/.test(line)).lastIndexOf(true);
    if (last < 0) return 'no FATAL line in its log';
    const pid = /\[(\d+)\]/.exec(lines[last]!)?.[1];
    const cause = lines.slice(Math.max(0, last - 5), last).filter((line) => pid && line.includes(`[${pid}]`));
    return [...cause, lines[last]!].join(' | ');
  } catch (error) {
    return `its log cannot be read: ${(error as Error).message}`;
  }
}

/** The read-only instances: each streams the writer's data again before a restart counts as done. */
const standbyIds = (cluster: MPDCluster) => instances(cluster).filter(([, ins]) => ins.insType !== 'rw').map(([id]) => id);

export async function restartCluster(ctx: Ctx): Promise<void> {
  const cluster = await getCluster(ctx);
  // Standbys first, the writer last: the writer's restart is the only moment writes wait.
  const ordered = instances(cluster).sort(([a], [b]) => Number(a === cluster.status?.leaderInstanceId) - Number(b === cluster.status?.leaderInstanceId));
  for (const [insId] of ordered) await restartInstance(ctx, cluster, insId);
  await waitCaughtUpFollowing(ctx, standbyIds(cluster));
}

async function restartOne(ctx: Ctx, insId: string): Promise<void> {
  const cluster = await getCluster(ctx);
  await restartInstance(ctx, cluster, insId);
  // A restarted writer drops every standby's stream; a restarted standby reconnects its own.
  await waitCaughtUpFollowing(ctx, insId === cluster.status?.leaderInstanceId ? standbyIds(cluster) : [insId]);
}

export const restartSteps = {
  RestartCluster: step(restartCluster),
  /** restartIns: the instance named by the event's insId. */
  RestartIns: step(async (ctx) => restartOne(ctx, String(ctx.params.insId ?? ''))),
  /** After FlushParams: restart only when a flushed parameter needs it. */
  RestartClusterIfNeed: step(async (ctx) => {
    if ((await getCluster(ctx)).metadata.annotations?.[triggerAnnotations.flushParamsRestartCluster] === 'true') await restartCluster(ctx);
  }),
};
