import { defineUpdate } from '@temporalio/workflow';

/**
 * Holds: a run stopped between steps until a person lets it go on. `approval` is declared by a step
 * (`approval: true` in its flow file) and waits before that step; `paused` is asked for with the pause Update.
 */
export type HoldKind = 'approval' | 'paused';

export interface HoldInfo {
  kind: HoldKind;
  /** The step the run will run next (the one that waits for approval, or the next one after a pause). */
  step: string;
  /** Why: the pause's reason, or the gate's own description. */
  reason: string;
  /** When the hold began (ISO time, from the workflow clock). */
  since: string;
}

/** What every hold Update answers: where the run is held (or was, for approve and resume). */
export interface HoldAnswer {
  workflowId: string;
  step: string;
  kind: HoldKind;
}

/** Let the run past the step waiting for approval. Rejected when no step waits. */
export const approveUpdate = defineUpdate<HoldAnswer, [reason: string]>('approve');
/** Interrupt the run at the step waiting for approval (reason REJECTED, recoverable). Rejected when no step waits. */
export const rejectUpdate = defineUpdate<HoldAnswer, [reason: string]>('reject');
/** Hold the run before its next step. Rejected when it is paused already or has ended. */
export const pauseUpdate = defineUpdate<HoldAnswer, [reason: string]>('pause');
/** Release a pause. Rejected when the run is not paused. */
export const resumeUpdate = defineUpdate<HoldAnswer, [reason: string]>('resume');

/** The interrupt code of a rejected approval. */
export const rejectedCode = 'REJECTED';
