import { States } from '../contract/states';
import { apiStatus } from './client';
import type { ClusterRef, MpdClusterClient } from './mpdcluster-client';
import type { MPDClusterStatus, WorkflowStatus } from './mpdcluster-schema';

/**
 * The one writer of the stable state after a flow: Running (with the run's final progress when given) in one write,
 * made only while the cluster is still in this run's transition (a `test` on status.transition.workflowId), so a late
 * completion never overwrites a newer transition. The worker calls it when a flow completes; the controller only for
 * a completed run whose write was lost. `summary` is the operator's (Operator.stableStatus), in the same write.
 * False when the cluster is not in that transition (or is gone).
 */
export async function completeTransition(
  clusters: MpdClusterClient,
  ref: ClusterRef,
  workflowId: string,
  workflow?: WorkflowStatus,
  summary: Partial<MPDClusterStatus> = {},
): Promise<boolean> {
  try {
    await clusters.jsonPatchStatus(ref, [
      { op: 'test', path: '/status/transition/workflowId', value: workflowId },
      { op: 'add', path: '/status/clusterStatus', value: States.running },
      ...(workflow ? [{ op: 'add' as const, path: '/status/workflow', value: workflow }] : []),
      ...Object.entries(summary).map(([key, value]) => ({ op: 'add' as const, path: `/status/${key}`, value })),
    ]);
    return true;
  } catch (error) {
    if (apiStatus(error) === 422 || apiStatus(error) === 404) return false;
    throw error;
  }
}
