/**
 * A cluster whose record of transitions is gone while it has a state: another operator ran it (the Go operator's typed
 * status update drops `status.transition`), e.g. a cutover rolled back and done again. Its next transition must not
 * reuse the number of a run mpdflow already made for it (a start would find that old run and take it for the new one),
 * so the highest number its uid's runs had is recorded first, as a transition with no run of its own.
 */
import { transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import type { MPDCluster } from '../kube/mpdcluster';
import type { TransitionStatus } from '../kube/mpdcluster-schema';
import { fenced, type ReconcilerDeps } from './reconcile-deps';

/** The event of that record: it fires nothing and names no flow; the run it points at is the last one before. */
export const adoptedEvent = 'Adopted';

/** Whether the cluster needs the look: a state, and no record of how it got there. */
export const lostItsRecord = (cluster: MPDCluster) => !cluster.status?.transition && Boolean(cluster.status?.clusterStatus);

/** Writes the record when runs of this uid exist; true when it wrote (read the cluster again). */
export async function adoptRunIds(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef): Promise<boolean> {
  const uid = cluster.metadata.uid ?? '';
  const highest = await deps.runs.highestTransitionId(resource, uid);
  if (highest === 0) return false;
  const record: TransitionStatus = {
    id: highest,
    from: '',
    to: '',
    flowName: '',
    event: adoptedEvent,
    params: {},
    resumes: 0,
    resumeFrom: '',
    workflowId: transitionWorkflowId(resource, uid, highest),
    interruptStreak: 0,
    writtenAt: new Date().toISOString(),
  };
  fenced(deps);
  await deps.clusters.patchStatus(resource, { transition: record }, cluster.metadata.resourceVersion);
  await deps.recordEvent(resource, {
    type: 'Normal',
    reason: adoptedEvent,
    message: `status.transition was gone (another operator's status update?); this cluster's runs so far reach transition ${highest}, the next is ${highest + 1}`,
  });
  return true;
}
