/**
 * What the CRD schema cannot say about a shared-storage cluster: checked by the controller at every reconcile,
 * a problem becomes InputValid=False and one Warning Event instead of a flow that fails minutes later.
 */
import type { MPDCluster } from '../../kube/mpdcluster';
import { States } from '../../contract/states';
import { annotatedIdProblem } from './instance-ids';
import { requestProblem, triggerValueProblem } from './request-check';

export function checkSharedSpec(cluster: MPDCluster): string | undefined {
  const spec = cluster.spec;
  if (spec.dbClusterType !== 'share') {
    return `spec.dbClusterType must be "share": local-storage clusters are not supported (the seed's local path was never wired), got "${spec.dbClusterType ?? ''}"`;
  }
  if (!spec.classInfo?.className) return 'spec.classInfo with a className is required: it is the class (and cpu, memory) of the engine pods';
  // Only Running's checkers read the trigger annotations; elsewhere (a flow consuming them, Interrupt) ids may lag,
  // but a yes/no trigger's value means the same in every state.
  if (cluster.status?.clusterStatus === States.running) return annotatedIdProblem(cluster) ?? requestProblem(cluster);
  return triggerValueProblem(cluster);
}
