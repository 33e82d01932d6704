import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';

export type FlowPhase = 'Running' | 'Waiting' | 'Completed' | 'Interrupted';

/** What the flow runtime writes on the resource it drives; the MPDCluster adapter implements it. */
export interface FlowResource {
  /** At most one write per step: where the flow is. */
  writeProgress(event: FlowEvent, phase: FlowPhase): Promise<void>;
  /** The seed's interrupt: annotations, the Interrupt state and the failed step, written idempotently. */
  markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void>;
  /** A Kubernetes Event (or the like) on the resource. */
  recordEvent(resource: ResourceRef, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void>;
}
