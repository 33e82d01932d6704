/** The record of a transition (`status.transition`) and the one conditional write that puts it on the cluster with its state. */
import { transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import { mergeReplacing } from '../kube/merge-replace';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MPDClusterStatus, TransitionStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import { requesterOf } from '../kube/requester';
import { announcedRun } from '../kube/run-status';
import type { StateEvent } from '../statemachine/state-machine';
import { fenced, type ReconcilerDeps } from './reconcile-deps';

export interface Written {
  patched: MPDCluster;
  fencedAt: number;
}

/** The next transition of the cluster: its id, its run's workflow id, and what it keeps of the transition before. */
export function newTransition(cluster: MPDCluster, resource: ResourceRef, from: string, to: string, flowName: string, event: StateEvent, streak: number): TransitionStatus {
  const previous = cluster.status?.transition;
  const id = (previous?.id ?? 0) + 1;
  return {
    id,
    from,
    to,
    flowName,
    event: event.name,
    params: event.params ?? {},
    ...(event.trigger ? { trigger: event.trigger } : {}),
    resumes: 0,
    resumeFrom: '',
    workflowId: transitionWorkflowId(resource, cluster.metadata.uid ?? '', id),
    ...(previous?.workflowId ? { previousWorkflowId: previous.workflowId } : {}),
    // The transition's write replaces status.workflow with its own run: what it said of the run before is kept here.
    ...(previous?.workflowId && cluster.status?.workflow?.workflowId === previous.workflowId && cluster.status.workflow.phase
      ? { previousRunPhase: cluster.status.workflow.phase }
      : {}),
    interruptStreak: streak,
    requestedBy: requesterOf(cluster.metadata),
    writtenAt: new Date().toISOString(),
  };
}

/**
 * The one write that records a transition: conditional on the object read (409 when another write came first).
 * Unless the caller writes status.workflow itself, it also shows the run's first step (announcedRun): that step's
 * own progress write is saved (a write per operation, docs/flows.md "Kubernetes writes per flow").
 */
export async function writeTransition(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef, status: Partial<MPDClusterStatus>, record: TransitionStatus): Promise<Written> {
  const fencedAt = fenced(deps);
  const transition = mergeReplacing(cluster.status?.transition, record) as TransitionStatus;
  const flow = deps.operator.flows.get(record.flowName);
  const announced = 'workflow' in status || !flow ? undefined : announcedRun(flow, record, deps.runLink?.(record.workflowId));
  const workflow = announced ? { workflow: mergeReplacing(cluster.status?.workflow, announced) as WorkflowStatus } : {};
  const patched = await deps.clusters.patchStatus(resource, { ...status, ...workflow, transition }, cluster.metadata.resourceVersion);
  deps.metrics.transitions.inc({ from: record.from, to: record.to });
  return { patched, fencedAt };
}

/** A stable state written with no transition to record (recovery to a stable state). */
export async function writeState(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef, state: string): Promise<Written> {
  const fencedAt = fenced(deps);
  return { patched: await deps.clusters.patchStatus(resource, { clusterStatus: state }, cluster.metadata.resourceVersion), fencedAt };
}
