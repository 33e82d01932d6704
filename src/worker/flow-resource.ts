import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';
import type { FlowPhase } from '../contract/states';
import type { ClusterEvent } from '../kube/cluster-events';

/** What the flow runtime writes on the resource it drives; the MPDCluster adapter implements it. */
export interface FlowResource {
  /** At most one write per step: where the flow is. */
  writeProgress(event: FlowEvent, phase: FlowPhase): Promise<void>;
  /** The seed's interrupt: annotations, the Interrupt state and the failed step, written idempotently. */
  markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void>;
  /** A Kubernetes Event (or the like) on the resource. */
  recordEvent(resource: ResourceRef, event: ClusterEvent): Promise<void>;
}
