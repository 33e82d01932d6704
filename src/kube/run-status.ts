/**
 * The parts of status.workflow that both writers of a run's progress build the same way: the worker (each step) and
 * the controller (a transition's first step, written with the transition).
 */
import type { CompiledFlow } from '../contract/flow-definition';
import type { WorkflowStatus } from './mpdcluster-schema';

/** The run's page in the Temporal Web UI; without a run id the UI opens the workflow id's newest run (one per transition). */
export function runLink(webUiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!webUiUrl) return undefined;
  return `${webUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${runId}` : ''}`;
}

export function stepMessage(index: number | undefined, total: number, stepName: string): string {
  return `step ${index}/${total}: ${stepName}`;
}

/**
 * status.workflow of a transition's run before it starts: the step it starts at (the first, or `resumeFrom`), so the
 * transition's one write shows it and the step writes no progress of its own. Undefined when the step is unknown.
 */
export function announcedRun(flow: CompiledFlow, run: { workflowId: string; resumeFrom?: string }, link: string | undefined): WorkflowStatus | undefined {
  const first = run.resumeFrom ? flow.steps.findIndex((step) => step.stepName === run.resumeFrom) : 0;
  const step = flow.steps[first];
  if (!step) return undefined;
  return {
    flowName: flow.flowName,
    phase: 'Running',
    step: step.stepName,
    stepIndex: first + 1,
    stepTotal: flow.steps.length,
    workflowId: run.workflowId,
    ...(link ? { webUiUrl: link } : {}),
    message: stepMessage(first + 1, flow.steps.length, step.stepName),
    updatedAt: new Date().toISOString(),
  };
}
