import type { CompiledFlow } from '../contract/flow-definition';

/** Where a recovered flow starts: its failed step, or the first step when the flow says recoverFromFirstStep. */
export function recoveryStartStep(flow: CompiledFlow, failedStep: string | undefined): string | undefined {
  if (flow.recoverFromFirstStep || !failedStep) return undefined;
  return flow.steps.some((step) => step.stepName === failedStep) ? failedStep : undefined;
}
