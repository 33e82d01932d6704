import type { Client } from '@temporalio/client';
import type { FlowProgress } from '../contract/flow-run';

/** The usual duration of each step of one flow, learnt from its completed runs. */
export interface StepDurations {
  flowName: string;
  /** How many completed runs the figures come from (0: nothing learnt yet). */
  runs: number;
  /** Median wall time of each step (waits and retries included), by stepName. */
  medianMs: Map<string, number>;
  /** Median wall time of whole runs, start to close. */
  runMedianMs?: number;
}

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/**
 * Per-step durations are not stored anywhere new: every completed run already returns its FlowProgress (each step's
 * durationMs) as its result, kept by Temporal. Visibility lists the newest completed runs of the flow type, and each
 * result is read from the run's close event alone (no full history fetch).
 */
export async function learnStepDurations(client: Client, flowName: string, limit = 20): Promise<StepDurations> {
  const perStep = new Map<string, number[]>();
  const runTimes: number[] = [];
  let runs = 0;
  for await (const run of client.workflow.list({ query: `WorkflowType = '${flowName}' AND ExecutionStatus = 'Completed'` })) {
    if (runs >= limit) break;
    const result = (await client.workflow.getHandle(run.workflowId, run.runId).result()) as FlowProgress | undefined;
    if (!result?.steps) continue;
    runs += 1;
    if (run.closeTime) runTimes.push(run.closeTime.getTime() - run.startTime.getTime());
    for (const step of result.steps) {
      if (step.outcome !== 'completed' || step.durationMs === undefined) continue;
      perStep.set(step.stepName, [...(perStep.get(step.stepName) ?? []), step.durationMs]);
    }
  }
  const medianMs = new Map([...perStep].map(([step, values]) => [step, median(values)!]));
  return { flowName, runs, medianMs, runMedianMs: median(runTimes) };
}

/** Expected time left: the usual durations of the steps from `fromIndex` (0-based) on; undefined when never measured. */
export function expectedRemainingMs(durations: StepDurations, stepNames: string[], fromIndex: number): number | undefined {
  if (durations.runs === 0) return undefined;
  return stepNames.slice(fromIndex).reduce((sum, step) => sum + (durations.medianMs.get(step) ?? 0), 0);
}
