import { ApplicationFailure, CancellationScope, condition, isCancellation, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CompiledStep } from '../src/contract/flow-definition';
import {
  cancelSignal,
  engineActivityNames,
  engineInterruptCodes,
  failureTypes,
  progressQuery,
  type FlowEvent,
  type FlowInput,
  type FlowProgress,
  type InterruptInfo,
  type InterruptOutputs,
  type StepInput,
  type StepProgress,
} from '../src/contract/flow-run';
import { searchAttributes } from '../src/contract/search-attributes';
import { States } from '../src/contract/states';
import { rejectedCode } from '../src/contract/holds';
import { FlowHolds } from './flow-holds';
import { classifyStepFailure, howItFailed, type StepFailure } from './step-failure';
import { engine, engineLocal, leanBookkeepingPatch, stepActivity } from './flow-activities';

/**
 * One run of a flow, in phases: `start` (handlers, search attributes), `runSteps` (the step loop, one `runStep` each),
 * `stepFailed` (what a classified failure means) and `interrupt` (the seed's interrupt, then the run fails).
 * Every phase issues the same commands in the same order as the single function it was split from.
 */
class FlowRun {
  readonly progress: FlowProgress;
  /** Params plus every completed step's output; an interrupt hands them on to the resumed run. */
  private readonly values: Record<string, unknown>;
  private cancelReason: string | undefined;
  /** The running step's scope, which the cancel signal cancels. */
  private running: CancellationScope | undefined;
  private readonly info = workflowInfo();
  /** Whether this run keeps its bookkeeping lean (leanBookkeepingPatch): false only when replaying an older history. */
  private lean = false;
  /** Approval gates and pause (flow-holds.ts): the Updates answer from the start. */
  private holds!: FlowHolds;

  private constructor(private readonly input: FlowInput) {
    const { flow, resource } = input;
    this.progress = {
      flowName: flow.flowName,
      workflowId: this.info.workflowId,
      resource,
      phase: 'running',
      index: 0,
      total: flow.steps.length,
      steps: flow.steps.map((step) => ({ stepName: step.stepName, className: step.className, outcome: 'pending' })),
    };
    this.values = { ...input.carriedOutputs, ...input.params };
  }

  /** Start: the progress query and the cancel signal answer from here on; the Web UI can filter the run by cluster. */
  static start(workflowType: string, input: FlowInput): FlowRun {
    const { flow, resource } = input;
    if (flow.flowName !== workflowType) {
      throw ApplicationFailure.nonRetryable(`workflow type ${workflowType} was started with the definition of ${flow.flowName}`);
    }
    const run = new FlowRun(input);
    setHandler(progressQuery, () => run.progress);
    setHandler(cancelSignal, (reason?: string) => {
      run.cancelReason = reason || 'cancel signal';
      run.running?.cancel();
    });
    run.holds = new FlowHolds(
      () => run.cancelReason !== undefined,
      async (hold) => {
        run.progress.phase = hold.kind === 'approval' ? 'awaitingapproval' : 'paused';
        run.progress.hold = hold;
        run.progress.currentStep = hold.step;
        await engine[engineActivityNames.flowHeld]!(run.event({ hold, stepName: hold.step, index: run.indexOf(hold.step) }));
      },
    );
    // A run started lean by its input asks no patch (no marker, no TemporalChangeVersion upsert); an older one asks.
    run.lean = input.lean === true || patched(leanBookkeepingPatch);
    if (!run.lean) {
      upsertSearchAttributes([
        { key: searchAttributes.cluster, value: resource.name },
        { key: searchAttributes.namespace, value: resource.namespace },
        { key: searchAttributes.flow, value: flow.flowName },
        { key: searchAttributes.state, value: input.state ?? '' },
      ]);
    }
    return run;
  }

  /** The step a run starts at: the first, or `resumeFrom` after a recovery (the steps before it are skipped). */
  firstStep(): number {
    const { flow, resumeFrom } = this.input;
    const first = resumeFrom ? flow.steps.findIndex((step) => step.stepName === resumeFrom) : 0;
    for (let i = 0; i < first; i++) this.progress.steps[i]!.outcome = 'skipped';
    return first;
  }

  private indexOf(stepName: string): number {
    return this.input.flow.steps.findIndex((step) => step.stepName === stepName) + 1;
  }

  /** Before step i: paused or waiting for approval, until released; a rejection or a cancel interrupts here. */
  private async holdBefore(i: number): Promise<void> {
    const step = this.input.flow.steps[i]!;
    const outcome = await this.holds.before(step);
    if (this.progress.hold) {
      this.progress.hold = undefined;
      this.progress.phase = 'running';
    }
    if (outcome.kind === 'cancelled') {
      this.progress.steps[i]!.outcome = 'cancelled';
      return this.interrupt(this.cancelled(step));
    }
    if (outcome.kind === 'rejected') {
      this.progress.steps[i]!.outcome = 'failed';
      return this.interrupt({ reason: rejectedCode, message: `approval of step ${step.stepName} rejected: ${outcome.reason}`, step: step.stepName });
    }
  }

  private event(extra: Partial<FlowEvent> = {}): FlowEvent {
    return {
      resource: this.input.resource,
      flowName: this.input.flow.flowName,
      workflowId: this.info.workflowId,
      runId: this.info.runId,
      total: this.progress.total,
      state: this.input.state,
      ...extra,
    };
  }

  /** What a run's end reports for its audit record (activity input only: no command changes, replay-safe). */
  private ending(): Pick<FlowEvent, 'params' | 'steps' | 'requestedBy'> {
    return { params: this.input.params, steps: this.progress.steps, ...(this.input.requestedBy ? { requestedBy: this.input.requestedBy } : {}) };
  }

  /** The step loop: the start bookkeeping, each step in order, the completion bookkeeping (it writes the stable state). */
  async runSteps(first: number): Promise<void> {
    if (!this.lean) await engine[engineActivityNames.flowStarted]!(this.event());
    for (let i = first; i < this.progress.total; i++) {
      await this.holdBefore(i);
      await this.runStep(i, this.lean && i === first);
    }
    this.holds.end();
    this.progress.phase = 'completed';
    this.progress.currentStep = undefined;
    await (this.lean ? engineLocal : engine)[engineActivityNames.flowCompleted]!(this.event(this.ending()));
  }

  /** One step until it completes: Temporal retries its attempts; a wait sleeps on a timer and calls it again. */
  private async runStep(i: number, flowStart: boolean): Promise<void> {
    const step = this.input.flow.steps[i]!;
    const record = this.progress.steps[i]!;
    const startedAt = Date.now();
    this.progress.currentStep = step.stepName;
    this.progress.index = i + 1;
    record.outcome = 'running';
    record.startedAt = new Date(startedAt).toISOString();
    const call = stepActivity(step);
    let waits = 0;
    for (;;) {
      if (this.cancelReason !== undefined) {
        record.outcome = 'cancelled';
        return this.interrupt(this.cancelled(step));
      }
      const stepInput = this.stepInput(step, i, waits, flowStart);
      try {
        this.running = new CancellationScope();
        const result = await this.running.run(() => call(stepInput));
        Object.assign(this.values, result.output);
        record.outcome = 'completed';
        record.attempts = result.attempt;
        record.durationMs = Date.now() - startedAt;
        return;
      } catch (error) {
        const failure = classifyStepFailure(error);
        record.durationMs = Date.now() - startedAt;
        if (failure.kind !== 'waiting') return this.stepFailed(step, record, failure, error);
        waits += 1;
        await this.waitToRetry(record, waits, failure.retryAfterMs);
      } finally {
        this.running = undefined;
      }
    }
  }

  private stepInput(step: CompiledStep, i: number, waits: number, flowStart: boolean): StepInput {
    const { flow, resource, params, state } = this.input;
    return {
      ...(flowStart ? { flowStart } : {}),
      ...(flowStart && this.input.announced ? { announced: true } : {}),
      flowName: flow.flowName,
      stepName: step.stepName,
      className: step.className,
      index: i + 1,
      total: this.progress.total,
      resource,
      params,
      values: { ...this.values },
      waitCount: waits,
      state,
    };
  }

  /** A durable timer, cut short by a cancel; a wait never counts as a failed attempt. */
  private async waitToRetry(record: StepProgress, waits: number, retryAfterMs: number): Promise<void> {
    record.outcome = 'waiting';
    record.waits = waits;
    this.progress.phase = 'waiting';
    await condition(() => this.cancelReason !== undefined, retryAfterMs);
    this.progress.phase = 'running';
    record.outcome = 'running';
  }

  /** What a step's failure means for the run: always an interrupt, recorded with the step and the reason. */
  private async stepFailed(step: CompiledStep, record: StepProgress, failure: Exclude<StepFailure, { kind: 'waiting' }>, error: unknown): Promise<never> {
    // A cancel was asked for while the step ran and its worker could not confirm it (a worker killed: the
    // activity times out instead): still the cancel the user asked for, never a retry count it did not reach.
    if (failure.kind === 'exhausted' && this.cancelReason !== undefined) {
      record.outcome = 'cancelled';
      record.error = failure.message;
      return this.interrupt(this.cancelled(step));
    }
    if (failure.kind === 'cancelled') {
      record.outcome = 'cancelled';
      this.cancelReason ??= 'workflow cancelled';
      if (CancellationScope.current().consideredCancelled) {
        // Cancelled from Temporal itself (Web UI, `temporal workflow cancel`): record it, then end as cancelled.
        await this.interrupt(this.cancelled(step)).catch(() => undefined);
        throw error;
      }
      return this.interrupt(this.cancelled(step));
    }
    record.outcome = 'failed';
    if (failure.kind === 'interrupt') {
      record.error = failure.message;
      return this.interrupt({ reason: failure.code, message: failure.message, step: step.stepName });
    }
    record.attempts = step.retry.maximumAttempts;
    record.error = failure.message;
    return this.interrupt({
      reason: engineInterruptCodes.manyRetry,
      message: `step ${step.stepName} ${howItFailed(failure.retryState, step.retry.maximumAttempts)}; last error: ${failure.message}`,
      step: step.stepName,
    });
  }

  private cancelled(step: CompiledStep): InterruptInfo {
    return { reason: engineInterruptCodes.cancelled, message: `flow cancelled: ${this.cancelReason}`, step: step.stepName };
  }

  /** The seed's interrupt (annotations, Interrupt, the failed step), even while cancelled; then the run fails with it. */
  async interrupt(detail: InterruptInfo): Promise<never> {
    this.holds.end();
    this.progress.phase = 'interrupted';
    this.progress.interrupt = detail;
    await CancellationScope.nonCancellable(() => engine[engineActivityNames.flowInterrupted]!(this.event({ interrupt: detail, stepName: detail.step, ...this.ending() })));
    upsertSearchAttributes([{ key: searchAttributes.state, value: States.interrupt }]);
    throw ApplicationFailure.create({
      type: failureTypes.flowInterrupted,
      message: `${detail.reason}: ${detail.message}`,
      nonRetryable: true,
      details: [detail, { outputs: this.values } satisfies InterruptOutputs],
    });
  }

  /** A Temporal cancel outside a step (during a wait, or the start or completion bookkeeping) is still an interrupt. */
  async interruptIfCancelled(error: unknown): Promise<void> {
    if (!isCancellation(error) || this.progress.phase === 'interrupted') return;
    const step = this.progress.currentStep;
    await this.interrupt({ reason: engineInterruptCodes.cancelled, message: 'flow cancelled: workflow cancelled', ...(step ? { step } : {}) }).catch(() => undefined);
  }
}

/** The body shared by every flow type: run the pinned steps in order, as the seed's WfRuntime.Start did. */
export async function runFlow(workflowType: string, input: FlowInput): Promise<FlowProgress> {
  const run = FlowRun.start(workflowType, input);
  const first = run.firstStep();
  if (first < 0) {
    return run.interrupt({ reason: engineInterruptCodes.unknownTask, message: `resumeFrom step "${input.resumeFrom}" is not in flow ${input.flow.flowName}` });
  }
  try {
    await run.runSteps(first);
  } catch (error) {
    await run.interruptIfCancelled(error);
    throw error;
  }
  return run.progress;
}

/** One workflow type per flowName: the generated entry module exports `flowWorkflow(name)` under each name. */
export function flowWorkflow(flowName: string): (input: FlowInput) => Promise<FlowProgress> {
  return (input: FlowInput) => runFlow(flowName, input);
}
