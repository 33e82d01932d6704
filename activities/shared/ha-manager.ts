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
import { patroni, PatroniError, type PatroniCluster } from './patroni';

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

async function readDynamicConfig(ctx: Ctx): Promise<{ config: Record<string, unknown>; resourceVersion?: string } | undefined> {
  try {
    const map = await ctx.services.kube.core.readNamespacedEndpoints({ namespace: ctx.resource.namespace, name: configObjectOf(ctx.resource.name) });
    const text = map.metadata?.annotations?.config;
    return { config: text ? (JSON.parse(text) as Record<string, unknown>) : {}, resourceVersion: map.metadata?.resourceVersion };
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
  return retryOnConflict(async () => {
    const current = await readDynamicConfig(ctx);
    const next = current && change(current.config);
    if (!current || !next) return false;
    await ctx.services.kube.core.patchNamespacedEndpoints(
      { namespace: ctx.resource.namespace, name: configObjectOf(ctx.resource.name), body: { metadata: { resourceVersion: current.resourceVersion, annotations: { config: JSON.stringify(next) } } } },
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
 * before the cluster's first bootstrap: there is no HA manager state yet.
 */
export async function setHaPaused(ctx: Ctx, paused: boolean): Promise<void> {
  const changed = await updateDynamicConfig(ctx, (config) => {
    if ((config.pause === true) === paused) return undefined;
    const { pause: _was, ...rest } = config;
    return paused ? { ...rest, pause: true } : rest;
  });
  const leader = changed ? await leaderPod(ctx) : undefined;
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

/**
 * Runs `start` with failover resumed if it was paused, and pauses it again after: Patroni neither bootstraps a new
 * member nor starts a stopped PostgreSQL while paused, and a flow that disabled HA still creates and restarts pods.
 */
export async function withHaActive<T>(ctx: Ctx, start: () => Promise<T>): Promise<T> {
  const wasPaused = await haPaused(ctx);
  if (wasPaused) await setHaPaused(ctx, false);
  try {
    return await start();
  } finally {
    if (wasPaused) await setHaPaused(ctx, true);
  }
}

/**
 * How long a step waits for its writer to answer before it interrupts. Patroni answers GET /cluster from its watch of
 * the API server and closes the connection when that watch is not ready within its retry_timeout (after an API server
 * restart, or under load); a leader label is written again within a loop or two; a failover takes under 15 s.
 */
export const writerAnswerGraceMs = 60_000;

/**
 * The leader's view of every member, or an interrupt: a flow never goes on over a cluster with no running writer, and
 * a writer that does not answer for a moment is waited for (heartbeating) rather than reported dead.
 */
export async function clusterView(ctx: Ctx, graceMs = writerAnswerGraceMs): Promise<{ leader: V1Pod; view: PatroniCluster }> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const leader = await leaderPod(ctx);
    let problem = `cluster ${ctx.resource.name} has no running RW: no engine is labelled ${engineRoles.leader}`;
    if (leader) {
      try {
        return { leader, view: await patroni.cluster(leader) };
      } catch (error) {
        if (!(error instanceof PatroniError)) throw error;
        problem = `the RW ${leader.metadata?.name} does not answer: ${error.message}`;
      }
    }
    if (Date.now() > deadline) throw new InterruptError('DB_RW_NOT_RUNNING', `${problem} (waited ${graceMs / 1000} s)`);
    ctx.heartbeat({ waitingFor: 'the RW to answer', problem });
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

/** Waits until every instance named has caught up with the RW (the step's bounded wait; an interrupt after it). */
export async function waitCaughtUp(ctx: Ctx, insIds: string[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { view } = await clusterView(ctx);
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
