import type { Logger } from 'pino';
import { engineActivityNames, type FlowEvent } from '../contract/flow-run';
import { callHooks, type FlowHooks } from '../flows/hooks';
import type { FlowResource } from './flow-resource';
import { States } from '../contract/states';

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
  /**
   * The audit record and the run's final status write at once (the activity ends when both have); a release flow's
   * record first: its cluster, and with it who asked, goes away after the final write.
   */
  const recordBeside = async (event: FlowEvent, finalWrite: () => Promise<void>): Promise<void> => {
    if (event.state === States.deleting) {
      await audit?.record(event);
      await finalWrite();
      return;
    }
    await Promise.all([audit?.record(event), finalWrite()]);
  };
  return {
    [engineActivityNames.flowStarted]: async (event) => {
      await callHooks(hooks, 'onFlowStart', event, log);
    },
    [engineActivityNames.flowCompleted]: async (event) => {
      await recordBeside(event, () => resource.markCompleted(event));
      await callHooks(hooks, 'onFlowCompleted', event, log);
    },
    [engineActivityNames.flowInterrupted]: async (event) => {
      if (!event.interrupt) throw new Error('flowInterrupted needs the interrupt');
      const interrupt = event.interrupt;
      await recordBeside(event, () => resource.markInterrupted(event, interrupt));
      await callHooks(hooks, 'onFlowInterrupted', event, log);
    },
    [engineActivityNames.flowHeld]: async (event) => {
      if (!event.hold) throw new Error('flowHeld needs the hold');
      await resource.markHeld(event, event.hold);
      await callHooks(hooks, 'onFlowHeld', event, log);
    },
  };
}
