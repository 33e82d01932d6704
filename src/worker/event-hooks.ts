import type { FlowEvent } from '../contract/flow-run';
import type { FlowResource } from './flow-resource';
import type { FlowHooks } from '../flows/hooks';

const where = (event: FlowEvent) => (event.stepName ? `step ${event.index}/${event.total} ${event.stepName}` : `flow`);

/** Default hook: a Kubernetes Event on the resource for each hook point, readable with `kubectl describe`. */
export function eventHooks(resource: FlowResource): FlowHooks {
  const emit = (type: 'Normal' | 'Warning', reason: string, message: (e: FlowEvent) => string) => (event: FlowEvent) =>
    resource.recordEvent(event.resource, { type, reason, message: message(event) });
  return {
    onFlowStart: emit('Normal', 'FlowStarted', (e) => `flow ${e.flowName} started (${e.total} steps, workflow ${e.workflowId})`),
    onStepStart: emit('Normal', 'StepStarted', (e) => `${e.flowName}: ${where(e)} started`),
    onStepWaiting: emit('Normal', 'StepWaiting', (e) => `${e.flowName}: ${where(e)} is waiting`),
    onStepCompleted: emit('Normal', 'StepCompleted', (e) => `${e.flowName}: ${where(e)} completed in ${e.durationMs ?? 0} ms`),
    onFlowCompleted: emit('Normal', 'FlowCompleted', (e) => `flow ${e.flowName} completed`),
    onFlowInterrupted: emit('Warning', 'FlowInterrupted', (e) => `flow ${e.flowName} interrupted at ${e.interrupt?.step ?? '-'}: ${e.interrupt?.reason}: ${e.interrupt?.message}`),
  };
}
