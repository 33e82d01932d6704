/**
 * What a step acts on is its run's record (issue 21): the cluster object the run was started for (the uid in its
 * workflow id), and the request its transition recorded (status.transition, written when the transition started),
 * never the request's annotation as it is now: a request rewritten while the flow runs is the next transition's.
 */
import { parseFlowWorkflowId, transitionKeyOf } from '../../src/contract/flow-run';
import { InterruptError } from '../../src/flows/step';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { isReplaced } from '../../src/kube/run-owner';
import type { Ctx } from './instances';

/** The interrupt of a step whose cluster is another object than its run's (deleted and created again under the name). */
export const clusterReplacedCode = 'CLUSTER_REPLACED';

/** The cluster, if it is the run's own object; an InterruptError (never retried) if it is a namesake. */
export function requireRunsCluster(ctx: Pick<Ctx, 'workflowId' | 'resource'>, cluster: MPDCluster): MPDCluster {
  if (!isReplaced(cluster, ctx.workflowId)) return cluster;
  const runUid = parseFlowWorkflowId(ctx.workflowId).uid ?? '';
  throw new InterruptError(
    clusterReplacedCode,
    `cluster ${ctx.resource.namespace}/${ctx.resource.name} has uid ${cluster.metadata.uid}, not ${runUid}: it was deleted and created again under its name, and run ${ctx.workflowId} acts on the deleted one only`,
  );
}

/**
 * The value of the request `key` this run was started for: its params (the event's), else the trigger its transition
 * recorded, read only from this run's own transition record. Undefined when neither names it, and when the request
 * was withdrawn since (its annotation removed): a withdrawn request is declined, as the seed did; a rewritten one is
 * the next transition's and never retargets this run.
 */
export function recordedRequest(ctx: Pick<Ctx, 'params' | 'transitionKey'>, cluster: MPDCluster, key: string): string | undefined {
  const param = ctx.params[key];
  if (typeof param === 'string') return param;
  const transition = cluster.status?.transition;
  if (!transition || transitionKeyOf(transition.workflowId) !== ctx.transitionKey) return undefined;
  return cluster.metadata.annotations?.[key] === undefined ? undefined : transition.trigger?.[key];
}
