/**
 * A request is consumed once (docs/cancel.md): a cancel consumes the trigger of the transition it interrupts, as the
 * flow's cleanup would have, so the cancelled operation never runs again unasked. The transition stays recorded, so a
 * recovery (interrupt.recover) still resumes it; only the annotation that would fire it anew goes.
 */
import { engineInterruptCodes } from '../contract/flow-run';
import type { MPDCluster } from './mpdcluster';

/** Interrupt reasons of a run ended because someone asked: a cancel (annotation, CLI, signal, Temporal cancel) or a terminate. */
const askedToStop: readonly string[] = [engineInterruptCodes.cancelled, 'TERMINATED'];

/**
 * The merge-patch annotations that consume the trigger of the interrupted run `workflowId`: each trigger its transition
 * recorded whose annotation still has the recorded value (a request written again meanwhile is a new one, and is kept).
 * Empty unless the interrupt is a cancel of the cluster's current transition. Write it conditional on the object read.
 */
export function consumedTrigger(cluster: MPDCluster, workflowId: string, reason: string): Record<string, null> {
  const transition = cluster.status?.transition;
  if (!askedToStop.includes(reason) || !transition?.trigger || transition.workflowId !== workflowId) return {};
  const annotations = cluster.metadata.annotations ?? {};
  return Object.fromEntries(
    Object.entries(transition.trigger)
      .filter(([key, value]) => annotations[key] === value)
      .map(([key]) => [key, null]),
  );
}

/**
 * What a recovery resumes with after a cancel: the trigger values that cancel consumed, for the resumed run's params,
 * so it finishes the request its transition recorded (a RemoveRo cancelled after its pod went still takes the
 * instance out). A trigger withdrawn by hand after any other interrupt stays withdrawn: that run declines it.
 */
export function cancelConsumedParams(cluster: MPDCluster, interruptReason: string | undefined): Record<string, string> {
  const trigger = cluster.status?.transition?.trigger;
  if (!interruptReason || !askedToStop.includes(interruptReason) || !trigger) return {};
  const annotations = cluster.metadata.annotations ?? {};
  return Object.fromEntries(Object.entries(trigger).filter(([key]) => annotations[key] === undefined));
}
