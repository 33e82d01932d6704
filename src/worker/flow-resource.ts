import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';
import type { ConditionChange } from '../kube/cluster-conditions';
import type { HoldInfo } from '../contract/holds';
import type { ClusterEvent } from '../kube/cluster-events';

/** A condition on the resource, written in the background (the stuck-step watch). */
export interface ClusterConditionWriter {
  setCondition(resource: ResourceRef, change: ConditionChange): void;
}

/** What the flow runtime writes on the resource it drives; the MPDCluster adapter implements it. */
export interface FlowResource {
  /** Where the flow is, once per step: written beside the step, never in front of it (the newest wins). */
  reportProgress(event: FlowEvent): void;
  /** The flow completed: its final progress (for a transition's run, with the stable state), after any progress still in flight. */
  markCompleted(event: FlowEvent): Promise<void>;
  /** The seed's interrupt: annotations, the Interrupt state and the failed step, written idempotently. */
  markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void>;
  /** The run is held between steps: status.workflow says so (in the background, like progress). */
  markHeld(event: FlowEvent, hold: HoldInfo): void;
  /** A Kubernetes Event (or the like) on the resource: queued, never waited for. */
  recordEvent(event: FlowEvent, clusterEvent: ClusterEvent): void;
  /** Resolves when every queued write has ended (worker shutdown). */
  drain(): Promise<void>;
}
