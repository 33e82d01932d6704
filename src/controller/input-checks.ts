import { cancelledAnnotation } from '../kube/annotations';
import type { MPDCluster } from '../kube/mpdcluster';
import type { LoadedOperator } from '../operator-api/operator';
import type { NodeCapacity } from './node-capacity';

/**
 * The engine's own annotations: a value that means nothing (a `cancelled=yes` that would cancel nothing) is reported
 * in a sentence instead of lingering unseen (a request with nothing to act on is removed: stale-requests.ts).
 */
export function engineAnnotationProblem(cluster: MPDCluster): string | undefined {
  const annotations = cluster.metadata.annotations ?? {};
  const cancelled = annotations[cancelledAnnotation];
  if (cancelled !== undefined && cancelled !== 'true' && cancelled !== 'false') {
    return `annotation ${cancelledAnnotation} must be "true" (cancel the running flow) or "false", got "${cancelled}"`;
  }
  return undefined;
}

/**
 * The operator, its spec check extended by what only the engine knows: its own annotations and the nodes' sizes.
 * Checked in every state: at rest a problem holds the cluster; during a flow it is reported and the flow goes on.
 */
export function withInputChecks(operator: LoadedOperator, nodes: Pick<NodeCapacity, 'problem'>): LoadedOperator {
  return {
    ...operator,
    validate: (cluster) => operator.validate?.(cluster) ?? engineAnnotationProblem(cluster) ?? nodes.problem(cluster),
  };
}
