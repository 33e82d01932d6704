/** The activities a flow run calls: its steps (one per className, with the step's own options) and the engine's bookkeeping. */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CompiledStep } from '../src/contract/flow-definition';
import type { FlowEvent, StepInput, StepResult } from '../src/contract/flow-run';

type EngineActivity = (event: FlowEvent) => Promise<void>;
type StepCall = (input: StepInput) => Promise<StepResult>;

/**
 * Engine bookkeeping (status, events, interrupt annotations) retries until Kubernetes answers. Each attempt is one or
 * two API writes, so a short timeout: a worker killed mid-attempt delays the flow by seconds, not a minute.
 */
const engineOptions = { startToCloseTimeout: '10s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } } as const;
export const engine = proxyActivities<Record<string, EngineActivity>>(engineOptions);
/**
 * The completion bookkeeping as a local activity: run by the worker that runs the workflow task, recorded as one
 * marker, without the round trip through a task queue that a regular activity costs (about one step's worth).
 */
export const engineLocal = proxyLocalActivities<Record<string, EngineActivity>>(engineOptions);
/**
 * Runs recorded before this change: search attributes upserted at start (the start request sets them already), start
 * bookkeeping as its own activity (now the first step's activity runs the start hooks), completion as a regular one.
 */
export const leanBookkeepingPatch = 'mpdflow-lean-bookkeeping';

export function stepActivity(step: CompiledStep): StepCall {
  const activities = proxyActivities<Record<string, StepCall>>({
    startToCloseTimeout: step.timeoutMs,
    heartbeatTimeout: step.heartbeatMs,
    retry: {
      maximumAttempts: step.retry.maximumAttempts,
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maximumIntervalMs,
    },
    // Cancel waits until the activity has stopped, so no later step can overlap it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: step.stepName,
  });
  return activities[step.className]!;
}
