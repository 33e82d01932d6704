import type { Logger } from 'pino';
import type { FlowEvent } from '../contract/flow-run';
import type { LogLevelName } from '../config';

/**
 * The seed's six hook points, plus a failed step attempt, open to operator code. Each runs inside an activity (the
 * step's, or the engine's bookkeeping), so it may do I/O; a slow hook delays the flow.
 */
export interface FlowHooks {
  onFlowStart?(event: FlowEvent): Promise<void> | void;
  onStepStart?(event: FlowEvent): Promise<void> | void;
  onStepWaiting?(event: FlowEvent): Promise<void> | void;
  /** A step attempt failed with an error (it is retried unless its attempts are used up). */
  onStepFailed?(event: FlowEvent): Promise<void> | void;
  onStepCompleted?(event: FlowEvent): Promise<void> | void;
  onFlowCompleted?(event: FlowEvent): Promise<void> | void;
  onFlowInterrupted?(event: FlowEvent): Promise<void> | void;
  /** The run is held between steps (paused, or a step waits for approval): `event.hold` says how. */
  onFlowHeld?(event: FlowEvent): Promise<void> | void;
}

export type HookPoint = keyof FlowHooks;

/** Calls one hook point on every hook set; a failing hook is logged and never breaks the flow. */
export async function callHooks(hooks: readonly FlowHooks[], point: HookPoint, event: FlowEvent, log: Logger): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook[point]?.(event);
    } catch (error) {
      log.warn({ err: error, hook: point, workflowId: event.workflowId }, 'flow hook failed; the flow goes on');
    }
  }
}

/** The hook points of one step, as opposed to the flow's own events (start, end, interrupt, hold, a wait). */
const stepPoints: ReadonlySet<HookPoint> = new Set(['onStepStart', 'onStepCompleted', 'onStepFailed']);

/**
 * Default hook: one structured log line per hook point. The flow's events are `info` (what an operator reads); each
 * step's start, end and failed attempt are `stepLevel` (default `debug`: a failed attempt also logs its own warning),
 * so a fleet's logs are a line per flow event, not two per step (MPDFLOW_STEP_LOG_LEVEL=info turns them up).
 */
export function logHooks(log: Logger, options: { stepLevel?: LogLevelName } = {}): FlowHooks {
  const stepLevel = options.stepLevel ?? 'debug';
  const line = (point: HookPoint) => {
    const level = stepPoints.has(point) ? stepLevel : 'info';
    return (event: FlowEvent) => {
      // Nothing is built for a line that is not written (a step's lines, usually).
      if (!log.isLevelEnabled(level)) return;
      log[level](
        {
          hook: point,
          cluster: `${event.resource.namespace}/${event.resource.name}`,
          flow: event.flowName,
          step: event.stepName,
          index: event.index,
          total: event.total,
          workflowId: event.workflowId,
          durationMs: event.durationMs,
          attempt: event.attempt,
          error: event.error,
          interrupt: event.interrupt,
        },
        point,
      );
    };
  };
  return {
    onFlowStart: line('onFlowStart'),
    onStepStart: line('onStepStart'),
    onStepWaiting: line('onStepWaiting'),
    onStepFailed: line('onStepFailed'),
    onStepCompleted: line('onStepCompleted'),
    onFlowCompleted: line('onFlowCompleted'),
    onFlowInterrupted: line('onFlowInterrupted'),
    onFlowHeld: line('onFlowHeld'),
  };
}
