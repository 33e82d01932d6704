import type { Logger } from 'pino';
import { engineActivityNames, type FlowEvent } from '../contract/flow-run';
import { callHooks, type FlowHooks } from '../flows/hooks';
import type { FlowResource } from './flow-resource';

/**
 * The engine's own activities: flow start (its hooks; the first step writes the first progress), completion (the
 * final status write, for a transition's run the stable state, then its hooks) and interrupt.
 */
export function engineActivities(
  resource: FlowResource,
  hooks: readonly FlowHooks[],
  log: Logger,
  audit?: { record(event: FlowEvent): Promise<void> },
): Record<string, (event: FlowEvent) => Promise<void>> {
  return {
    [engineActivityNames.flowStarted]: async (event) => {
      await callHooks(hooks, 'onFlowStart', event, log);
    },
    [engineActivityNames.flowCompleted]: async (event) => {
      // The record first: the release flow's cluster (its requester) is still there until the controller lets it go.
      await audit?.record(event);
      await resource.markCompleted(event);
      await callHooks(hooks, 'onFlowCompleted', event, log);
    },
    [engineActivityNames.flowInterrupted]: async (event) => {
      if (!event.interrupt) throw new Error('flowInterrupted needs the interrupt');
      await audit?.record(event);
      await resource.markInterrupted(event, event.interrupt);
      await callHooks(hooks, 'onFlowInterrupted', event, log);
    },
    [engineActivityNames.flowHeld]: async (event) => {
      if (!event.hold) throw new Error('flowHeld needs the hold');
      resource.markHeld(event, event.hold);
      await callHooks(hooks, 'onFlowHeld', event, log);
    },
  };
}
