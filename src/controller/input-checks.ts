import { cancelledAnnotation } from '../kube/annotations';
import type { MPDCluster } from '../kube/mpdcluster';
import type { LoadedOperator } from '../operator-api/operator';
import type { NodeCapacity } from './node-capacity';

/**
 * The engine's own annotations on a cluster at rest (no flow running): a value that means nothing is refused in a
 * sentence instead of lingering unseen (a request with nothing to act on is removed: stale-requests.ts).
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
 * Checked where no flow runs (a new cluster, a stable state), so a check never stops a running flow's reconcile.
 */
export function withInputChecks(operator: LoadedOperator, nodes: Pick<NodeCapacity, 'problem'>): LoadedOperator {
  const sm = operator.stateMachine;
  return {
    ...operator,
    validate(cluster) {
      const own = operator.validate?.(cluster);
      if (own) return own;
      const recorded = cluster.status?.clusterStatus;
      const state = sm.normalize(recorded);
      if (recorded && !sm.isStable(state)) return undefined;
      return engineAnnotationProblem(cluster) ?? nodes.problem(cluster);
    },
  };
}
