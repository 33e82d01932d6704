/**
 * Whether a run may still act on a cluster: the cluster is the object the run was started for (the uid in its
 * workflow id) and, for a transition's run, still in that run's transition. A late attempt, a retried bookkeeping
 * activity or a run of a deleted cluster's namesake writes nothing once this says no (issue 21).
 */
import { parseFlowWorkflowId } from '../contract/flow-run';
import type { MPDCluster } from './mpdcluster';

/** The cluster is another object than the run's: deleted and created again under its name. */
export function isReplaced(cluster: Pick<MPDCluster, 'metadata'>, workflowId: string): boolean {
  const { uid } = parseFlowWorkflowId(workflowId);
  return !!uid && !!cluster.metadata.uid && uid !== cluster.metadata.uid;
}

/** The cluster is still the run's to write on: the same object and, for a transition's run, in its transition still. */
export function stillRunsCluster(cluster: Pick<MPDCluster, 'metadata' | 'status'>, workflowId: string): boolean {
  if (isReplaced(cluster, workflowId)) return false;
  return parseFlowWorkflowId(workflowId).kind !== 'transition' || cluster.status?.transition?.workflowId === workflowId;
}
