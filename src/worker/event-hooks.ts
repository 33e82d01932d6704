import type { FlowEvent } from '../contract/flow-run';
import type { FlowResource } from './flow-resource';
import type { FlowHooks } from '../flows/hooks';

const where = (event: FlowEvent) => (event.stepName ? `step ${event.index}/${event.total} ${event.stepName}` : `flow`);

export interface EventHookOptions {
  /** Also an Event when each step starts and completes (off by default: status.workflow already says where a flow is). */
  stepEvents?: boolean;
}

/**
 * Default hook: a Kubernetes Event on the resource, readable with `kubectl describe`, when a flow starts, completes or
 * is interrupted and when a step waits or fails an attempt; per-step Events only when asked for.
 */
export function eventHooks(resource: FlowResource, options: EventHookOptions = {}): FlowHooks {
  const emit = (type: 'Normal' | 'Warning', reason: string, message: (e: FlowEvent) => string) => (event: FlowEvent) =>
    resource.recordEvent(event, { type, reason, message: message(event) });
  return {
    onFlowStart: emit('Normal', 'FlowStarted', (e) => `flow ${e.flowName} started (${e.total} steps, workflow ${e.workflowId})`),
    ...(options.stepEvents
      ? {
          onStepStart: emit('Normal', 'StepStarted', (e) => `${e.flowName}: ${where(e)} started`),
          onStepCompleted: emit('Normal', 'StepCompleted', (e) => `${e.flowName}: ${where(e)} completed in ${e.durationMs ?? 0} ms`),
        }
      : {}),
    onStepWaiting: emit('Normal', 'StepWaiting', (e) => `${e.flowName}: ${where(e)} is waiting${e.error ? `: ${e.error}` : ''}`),
    onStepFailed: emit('Warning', 'StepFailed', (e) => `${e.flowName}: ${where(e)} attempt ${e.attempt ?? 1} failed: ${e.error ?? 'unknown error'}`),
    onFlowCompleted: emit('Normal', 'FlowCompleted', (e) => `flow ${e.flowName} completed`),
    onFlowHeld: emit('Normal', 'FlowHeld', (e) =>
      e.hold?.kind === 'approval' ? `${e.flowName}: ${where(e)} waits for approval (mpdflow approve|reject)` : `${e.flowName}: paused before ${where(e)}: ${e.hold?.reason} (mpdflow resume)`,
    ),
    onFlowInterrupted: emit('Warning', 'FlowInterrupted', (e) => `flow ${e.flowName} interrupted at ${e.interrupt?.step ?? '-'}: ${e.interrupt?.reason}: ${e.interrupt?.message}`),
  };
}
