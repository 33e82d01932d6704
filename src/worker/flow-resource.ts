import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';
import type { ConditionChange, ConditionGuard } from '../kube/cluster-conditions';
import type { HoldInfo } from '../contract/holds';
import type { ClusterEvent } from '../kube/cluster-events';

/** A condition on the resource, written in the background (the stuck-step watch). */
export interface ClusterConditionWriter {
  /** Queued; with `onlyWhile`, written only while the cluster as read passes it (a run's write after the run, dropped). */
  setCondition(resource: ResourceRef, change: ConditionChange, onlyWhile?: ConditionGuard): void;
}

/** What the flow runtime writes on the resource it drives; the MPDCluster adapter implements it. */
export interface FlowResource {
  /** Where the flow is, once per step: written beside the step, never in front of it (the newest wins). */
  reportProgress(event: FlowEvent): void;
  /**
   * A step attempt failed and the step is retried: the progress again, with the attempt that comes next and the
   * error (one line). Sent only on failures, so a step that succeeds at its first attempt costs no write for it.
   */
  reportRetry?(event: FlowEvent, nextAttempt: number, error: string): void;
  /** The flow completed: its final progress (for a transition's run, with the stable state), after any progress still in flight. */
  markCompleted(event: FlowEvent): Promise<void>;
  /** The seed's interrupt: annotations, the Interrupt state and the failed step, written idempotently. */
  markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void>;
  /** The run is held between steps: status.workflow says so, written before this resolves (the hold's activity waits for it). */
  markHeld(event: FlowEvent, hold: HoldInfo): Promise<void>;
  /** A Kubernetes Event (or the like) on the resource: queued, never waited for. */
  recordEvent(event: FlowEvent, clusterEvent: ClusterEvent): void;
  /** Resolves when every queued write has ended (worker shutdown). */
  drain(): Promise<void>;
}
