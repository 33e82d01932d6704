import type { Logger } from 'pino';
import { parseFlowWorkflowId, type FlowEvent, type StepInput } from '../contract/flow-run';
import type { ConditionGuard } from '../kube/cluster-conditions';
import type { FlowHooks } from '../flows/hooks';
import type { ClusterConditionWriter } from './flow-resource';
import type { StepEstimates } from './step-estimates';

export interface StuckOptions {
  /** A step is stuck after this many times its usual duration without completing (default 3). */
  factor?: number;
  /** ...and never before this long (default 60 s), so a step that usually takes milliseconds is not called stuck at once. */
  minMs?: number;
}

export const stuckConditionType = 'FlowStepStuck';

/**
 * Watches running steps against their usual duration (StepEstimates). Called on each step's liveness pulse; raises
 * the FlowStepStuck condition once per stuck step (one write), with the step's last failed attempt, and lowers it
 * when that step ends, whichever worker handles the end. Writes nothing for a step that is on time.
 */
export class StuckWatch {
  private readonly lastError = new Map<string, string>();
  private readonly stuck = new Map<string, { input: StepInput; workflowId: string }>();
  private readonly factor: number;
  private readonly minMs: number;

  constructor(
    private readonly estimates: StepEstimates,
    private readonly conditions: ClusterConditionWriter,
    private readonly onStuck: (flow: string, step: string, stuck: boolean) => void,
    private readonly log: Logger,
    options: StuckOptions = {},
  ) {
    this.factor = options.factor ?? 3;
    this.minMs = options.minMs ?? 60_000;
  }

  /** One pulse of a running step attempt: `since` is when the step's first attempt was scheduled. */
  pulse(input: StepInput, workflowId: string, since: number): void {
    const key = `${workflowId}/${input.stepName}`;
    if (this.stuck.has(key)) return;
    const usualMs = this.estimates.get(input.flowName)?.medianMs.get(input.stepName);
    if (usualMs === undefined) return;
    const elapsed = Date.now() - since;
    if (elapsed < this.threshold(usualMs)) return;
    this.stuck.set(key, { input, workflowId });
    this.onStuck(input.flowName, input.stepName, true);
    const error = this.lastError.get(key);
    const message = `step ${input.index}/${input.total} ${input.stepName} of ${input.flowName} has run ${Math.round(elapsed / 1000)}s, ${this.factor}x longer than its usual ${(usualMs / 1000).toFixed(1)}s${error ? `; last error: ${error}` : ''}`;
    this.log.warn({ cluster: `${input.resource.namespace}/${input.resource.name}`, step: input.stepName, elapsed }, 'step stuck');
    this.conditions.setCondition(input.resource, { type: stuckConditionType, status: 'True', reason: 'StepStuck', message }, stillRunning(workflowId, input.state));
  }

  private threshold(usualMs: number): number {
    return Math.max(this.minMs, this.factor * usualMs);
  }

  /**
   * Whether some worker may have called this ended step stuck: the step ran past its threshold, or its flow stopped
   * (no duration). The hooks run on any worker of the queue, not only the one whose pulses raised the condition.
   */
  private mayHaveBeenStuck(event: FlowEvent): boolean {
    if (event.durationMs === undefined) return true;
    const usualMs = this.estimates.get(event.flowName)?.medianMs.get(event.stepName ?? '');
    return event.durationMs >= this.threshold(usualMs ?? 0);
  }

  /** Hooks that keep the last error of each running step and lower the condition when a stuck step ends. */
  hooks(): FlowHooks {
    const ended = (event: FlowEvent) => {
      const key = `${event.workflowId}/${event.stepName ?? ''}`;
      this.lastError.delete(key);
      const was = this.stuck.get(key);
      if (was) {
        this.stuck.delete(key);
        this.onStuck(event.flowName, event.stepName ?? '', false);
      } else if (!this.mayHaveBeenStuck(event)) return;
      // Lowering a condition nobody raised writes nothing (setClusterCondition).
      this.conditions.setCondition(event.resource, { type: stuckConditionType, status: 'False', reason: 'StepEnded', message: `step ${event.stepName} ended` }, notLater(event.workflowId));
    };
    return {
      onStepFailed: (event) => {
        this.lastError.set(`${event.workflowId}/${event.stepName ?? ''}`, event.error ?? 'unknown error');
      },
      onStepCompleted: ended,
      onFlowInterrupted: (event) => ended({ ...event, stepName: event.interrupt?.step ?? event.stepName }),
      // A stuck step whose last attempt ended quickly on another worker: lowered when its flow ends at the latest.
      onFlowCompleted: (event) =>
        this.conditions.setCondition(event.resource, { type: stuckConditionType, status: 'False', reason: 'FlowEnded', message: `flow ${event.flowName} ended` }, notLater(event.workflowId)),
    };
  }
}

/** Raised only while the cluster is still in this run's transition: a pulse written after its run ended would stay. */
export function stillRunning(workflowId: string, state: string | undefined): ConditionGuard | undefined {
  if (parseFlowWorkflowId(workflowId).kind !== 'transition') return undefined;
  return (cluster) => cluster.status?.transition?.workflowId === workflowId && cluster.status.clusterStatus === state;
}

/** Lowered unless a later run has the cluster: what that run raised is its own to lower. */
export function notLater(workflowId: string): ConditionGuard | undefined {
  if (parseFlowWorkflowId(workflowId).kind !== 'transition') return undefined;
  return (cluster) => {
    const current = cluster.status?.transition?.workflowId;
    return current === undefined || current === workflowId;
  };
}
