/**
 * The cluster's HA manager (Patroni in every engine pod) as the steps use it: who leads, whether failover is paused,
 * whether the standbys have caught up. Pause lives in Patroni's own store (the `config` annotation of its config
 * Endpoints, <name>-rw-config), so it can be set and read with no engine running, as Patroni's REST API would write it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { InterruptError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { retryOnConflict } from './conflict-retry';
import type { Ctx } from './instances';
import { engineRoles, haStoreEndpointsNames, labels, podName } from './names';
import { isLeaderRole, patroni, PatroniError, type PatroniCluster } from './patroni';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const configObjectOf = (cluster: string) => haStoreEndpointsNames(cluster)[0]!;

/** The cluster's engine pods that are not being deleted. */
export async function enginePods(ctx: Ctx): Promise<V1Pod[]> {
  const list = await ctx.services.kube.core.listNamespacedPod({ namespace: ctx.resource.namespace, labelSelector: `${labels.cluster}=${ctx.resource.name},${labels.insId}` });
  return list.items.filter((pod) => !pod.metadata?.deletionTimestamp);
}

/** The pod the HA manager labelled leader; undefined when none is (no engine running as the writer). */
export async function leaderPod(ctx: Ctx): Promise<V1Pod | undefined> {
  return (await enginePods(ctx)).find((pod) => pod.metadata?.labels?.[labels.role] === engineRoles.leader);
}

/** The insId of a pod of this cluster. */
export const insIdOf = (pod: V1Pod) => pod.metadata?.labels?.[labels.insId] ?? '';

/** Which transition's flow paused failover (DisableHA): a later attempt of that flow pauses again what it lends out. */
export const haPausedByAnnotation = 'mpdflow.io/ha-paused-by';
/** Which step attempt has failover resumed to start a pod: only that attempt pauses it again. */
export const haLentToAnnotation = 'mpdflow.io/ha-lent-to';

interface DynamicConfigState {
  config: Record<string, unknown>;
  annotations: Record<string, string>;
  resourceVersion?: string;
}

async function readDynamicConfig(ctx: Ctx): Promise<DynamicConfigState | undefined> {
  try {
    const map = await ctx.services.kube.core.readNamespacedEndpoints({ namespace: ctx.resource.namespace, name: configObjectOf(ctx.resource.name) });
    const annotations = map.metadata?.annotations ?? {};
    return { config: annotations.config ? (JSON.parse(annotations.config) as Record<string, unknown>) : {}, annotations, resourceVersion: map.metadata?.resourceVersion };
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Whether automatic failover is paused (Patroni's maintenance mode). A cluster not yet bootstrapped is not. */
export async function haPaused(ctx: Ctx): Promise<boolean> {
  return (await readDynamicConfig(ctx))?.config.pause === true;
}

/**
 * Changes Patroni's dynamic configuration (what PATCH /config changes), conditionally on the version read: Patroni
 * and a concurrent step never overwrite each other. `change` returns undefined when there is nothing to change.
 * Returns whether it wrote; before the cluster's first bootstrap there is no configuration to change.
 */
export async function updateDynamicConfig(ctx: Ctx, change: (config: Record<string, unknown>) => Record<string, unknown> | undefined): Promise<boolean> {
  return writeDynamicConfig(ctx, (state) => {
    const config = change(state.config);
    return config && { config };
  });
}

/** Marks beside the configuration on the same object, written with it in one conditional write; null removes one. */
type Marks = Record<string, string | null>;

async function writeDynamicConfig(ctx: Ctx, change: (state: DynamicConfigState) => { config: Record<string, unknown>; marks?: Marks } | undefined): Promise<boolean> {
  return retryOnConflict(async () => {
    const current = await readDynamicConfig(ctx);
    const next = current && change(current);
    if (!current || !next) return false;
    await ctx.services.kube.core.patchNamespacedEndpoints(
      {
        namespace: ctx.resource.namespace,
        name: configObjectOf(ctx.resource.name),
        body: { metadata: { resourceVersion: current.resourceVersion, annotations: { config: JSON.stringify(next.config), ...next.marks } } },
      },
      mergePatch,
    );
    return true;
  });
}

/** The dynamic configuration as Patroni keeps it, or undefined before the first bootstrap. */
export async function dynamicConfig(ctx: Ctx): Promise<Record<string, unknown> | undefined> {
  return (await readDynamicConfig(ctx))?.config;
}

/**
 * Pauses or resumes automatic failover, then waits until the leader says so (its next loop, 2 s). Nothing to do
 * before the cluster's first bootstrap: there is no HA manager state yet. `marks` are written with it; `onlyIf` makes
 * the write conditional on the marks as they are (nothing is written when it says no).
 */
export async function setHaPaused(ctx: Ctx, paused: boolean, marks: Marks = {}, onlyIf: (annotations: Record<string, string>) => boolean = () => true): Promise<void> {
  let pauseChanged = false;
  await writeDynamicConfig(ctx, ({ config, annotations }) => {
    pauseChanged = (config.pause === true) !== paused;
    const marksChanged = Object.entries(marks).some(([key, value]) => (annotations[key] ?? null) !== value);
    if ((!pauseChanged && !marksChanged) || !onlyIf(annotations)) return (pauseChanged = false), undefined;
    const { pause: _was, ...rest } = config;
    return { config: paused ? { ...rest, pause: true } : rest, marks };
  });
  const leader = pauseChanged ? await leaderPod(ctx) : undefined;
  if (!leader) return;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const member = await patroni.member(leader).catch(() => undefined);
    if (member && (member.pause === true) === paused) return;
    ctx.heartbeat({ waitingFor: `the HA manager to ${paused ? 'pause' : 'resume'}` });
    await sleepUnlessAborted(250, ctx.signal);
  }
  throw new Error(`the HA manager did not ${paused ? 'pause' : 'resume'} within 30 s (leader ${leader.metadata?.name})`);
}

/** DisableHA: failover paused for this transition's flow (its later attempts and resumed runs know it was). */
export const pauseHaForFlow = (ctx: Ctx) => setHaPaused(ctx, true, { [haPausedByAnnotation]: ctx.transitionKey, [haLentToAnnotation]: null });
/** EnableHA: failover resumed, and no flow holds it paused any more. */
export const resumeHaAfterFlow = (ctx: Ctx) => setHaPaused(ctx, false, { [haPausedByAnnotation]: null, [haLentToAnnotation]: null });

/**
 * Runs `start` with failover resumed if the flow paused it, and pauses it again after: Patroni neither bootstraps a
 * new member nor starts a stopped PostgreSQL while paused, and a flow that disabled HA still creates pods. Whether the
 * flow paused it is kept beside the pause, not read per attempt: an attempt killed while failover was lent out
 * leaves it resumed, and its retry must still pause it again. Only the attempt that lent it out pauses it again: a
 * superseded attempt (cancelled, timed out, still running on) never pauses failover under the one that took over.
 */
export async function withHaActive<T>(ctx: Ctx, start: () => Promise<T>): Promise<T> {
  const state = await readDynamicConfig(ctx);
  const flowPaused = state?.config.pause === true || (!!ctx.transitionKey && state?.annotations[haPausedByAnnotation] === ctx.transitionKey);
  if (!state || !flowPaused) return start();
  const attempt = `${ctx.workflowId} ${ctx.stepName} #${ctx.attempt} ${Math.random().toString(36).slice(2, 8)}`;
  await setHaPaused(ctx, false, { [haPausedByAnnotation]: ctx.transitionKey, [haLentToAnnotation]: attempt });
  try {
    return await start();
  } finally {
    if (!ctx.signal.aborted) await setHaPaused(ctx, true, { [haLentToAnnotation]: null }, (annotations) => annotations[haLentToAnnotation] === attempt);
  }
}

/**
 * How long a step waits for its writer to answer before it interrupts. Patroni answers GET /cluster from its watch of
 * the API server and closes the connection when that watch is not ready within its retry_timeout (after an API server
 * restart, or under load); a leader label is written again within a loop or two; a failover takes under 15 s.
 */
export const writerAnswerGraceMs = 60_000;
/**
 * How long a step waits for a writer that runs and leads (GET /patroni, answered from PostgreSQL and Patroni's memory)
 * while its HA manager cannot read its store: the engines reach the API server through the `kubernetes` Service, which
 * can lag minutes behind the API server the worker reaches directly (the soak saw 3 minutes after restarts).
 */
export const isolatedWriterGraceMs = 300_000;

/** Whether the writer's engine runs and leads, by its own account (Patroni's memory, not its store). */
async function writerRuns(leader: V1Pod): Promise<boolean> {
  const member = await patroni.member(leader).catch(() => undefined);
  return member?.state === 'running' && isLeaderRole(member.role);
}

/**
 * The leader's view of every member, or an interrupt: a flow never goes on over a cluster with no running writer, and
 * a writer that does not answer for a moment, or runs while its HA manager cannot reach its store, is waited for
 * (heartbeating) rather than reported dead.
 */
export async function clusterView(ctx: Ctx, graceMs = writerAnswerGraceMs, isolatedGraceMs = isolatedWriterGraceMs): Promise<{ leader: V1Pod; view: PatroniCluster }> {
  const since = Date.now();
  for (;;) {
    const leader = await leaderPod(ctx);
    let problem = `cluster ${ctx.resource.name} has no running RW: no engine is labelled ${engineRoles.leader}`;
    let limitMs = graceMs;
    if (leader) {
      try {
        return { leader, view: await patroni.cluster(leader) };
      } catch (error) {
        if (!(error instanceof PatroniError)) throw error;
        problem = `the RW ${leader.metadata?.name} does not answer: ${error.message}`;
        if (await writerRuns(leader)) {
          problem = `the RW ${leader.metadata?.name} runs and leads, but its HA manager cannot read its store (the API server): ${error.message}`;
          limitMs = isolatedGraceMs;
        }
      }
    }
    const waitedMs = Date.now() - since;
    if (waitedMs > limitMs) throw new InterruptError('DB_RW_NOT_RUNNING', `${problem} (waited ${Math.round(waitedMs / 1000)} s)`);
    ctx.heartbeat({ waitingFor: 'the RW to answer', problem, waitedS: Math.round(waitedMs / 1000) });
    await sleepUnlessAborted(1_000, ctx.signal);
  }
}

/** A standby that replays everything the leader has: running, no lag, and synchronous when the cluster is. */
function caughtUp(view: PatroniCluster, memberName: string, synchronous: boolean): boolean {
  const member = view.members.find((m) => m.name === memberName);
  if (!member || member.state !== 'running' && member.state !== 'streaming') return false;
  if (synchronous) return member.role === 'sync_standby';
  return member.role !== 'leader' && Number(member.lag) === 0;
}

/** A standby the step waited for leads now: the HA manager promoted it (a failover while failover was on). */
export class StandbyPromotedError extends Error {
  constructor(readonly insId: string) {
    super(`${insId} became the RW while the step waited for it to catch up (the HA manager promoted it); the step runs again and follows it`);
    this.name = 'StandbyPromotedError';
  }
}

/** Waits until every instance named has caught up with the RW (the step's bounded wait; an interrupt after it). */
export async function waitCaughtUp(ctx: Ctx, insIds: string[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { view } = await clusterView(ctx);
    // A standby the HA manager promoted meanwhile never catches up with itself: the step runs again and follows it.
    const promoted = insIds.find((id) => view.members.some((m) => m.name === podName(ctx.resource.name, id) && m.role === 'leader'));
    if (promoted) throw new StandbyPromotedError(promoted);
    const synchronous = (await readDynamicConfig(ctx))?.config.synchronous_mode === true;
    const behind = insIds.filter((id) => !caughtUp(view, podName(ctx.resource.name, id), synchronous));
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      const states = behind.map((id) => view.members.find((m) => m.name === podName(ctx.resource.name, id))).map((m, i) => `${behind[i]}: ${m ? `${m.role} ${m.state} lag ${m.lag}` : 'not a member'}`);
      throw new InterruptError('RO_NOT_UP_TO_DATE', `standbys not caught up with the RW after ${timeoutMs / 1000} s: ${states.join('; ')}`);
    }
    ctx.heartbeat({ waitingFor: `${behind.join(', ')} to catch up with the RW` });
    await sleepUnlessAborted(500, ctx.signal);
  }
}
