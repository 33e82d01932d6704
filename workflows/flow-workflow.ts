import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
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
  type StepResult,
} from '../src/contract/flow-run';
import { searchAttributes } from '../src/contract/search-attributes';

type EngineActivity = (event: FlowEvent) => Promise<void>;

/**
 * Engine bookkeeping (status, events, interrupt annotations) retries until Kubernetes answers. Each attempt is one or
 * two API writes, so a short timeout: a worker killed mid-attempt delays the flow by seconds, not a minute.
 */
const engine = proxyActivities<Record<string, EngineActivity>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** How long a waiting step sleeps when it did not say. */
const defaultWaitMs = 5_000;

function stepActivity(step: CompiledStep): (input: StepInput) => Promise<StepResult> {
  const activities = proxyActivities<Record<string, (input: StepInput) => Promise<StepResult>>>({
    startToCloseTimeout: step.timeoutMs,
    heartbeatTimeout: step.heartbeatMs,
    retry: {
      maximumAttempts: step.retry.maximumAttempts,
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maximumIntervalMs,
    },
    // Cancel waits until the activity has stopped, so no later step can overlap it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: step.stepName,
  });
  return activities[step.className]!;
}

/** The failure that crossed from a step, classified. */
type StepFailure =
  | { kind: 'waiting'; retryAfterMs: number }
  | { kind: 'interrupt'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'exhausted'; message: string; retryState?: string };

function classify(error: unknown): StepFailure {
  if (isCancellation(error)) return { kind: 'cancelled' };
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { code?: string; retryAfterMs?: number };
    if (cause.type === failureTypes.waiting) return { kind: 'waiting', retryAfterMs: details.retryAfterMs ?? defaultWaitMs };
    if (cause.type === failureTypes.interrupt) return { kind: 'interrupt', code: details.code ?? 'INTERRUPTED', message: cause.message };
  }
  const retryState = error instanceof ActivityFailure ? String(error.retryState) : undefined;
  return { kind: 'exhausted', message: cause instanceof Error ? cause.message : String(cause), ...(retryState ? { retryState } : {}) };
}

/** What the retry policy did, as Temporal reports it: a count only when the attempts really ran out. */
function howItFailed(retryState: string | undefined, maximumAttempts: number): string {
  if (retryState === 'NON_RETRYABLE_FAILURE') return 'failed with an error that is not retried';
  if (retryState === 'TIMEOUT') return 'ran out of time';
  return `failed ${maximumAttempts} times`;
}

/** The body shared by every flow type: run the pinned steps in order, as the seed's WfRuntime.Start did. */
export async function runFlow(workflowType: string, input: FlowInput): Promise<FlowProgress> {
  const { flow, resource } = input;
  if (flow.flowName !== workflowType) {
    throw ApplicationFailure.nonRetryable(`workflow type ${workflowType} was started with the definition of ${flow.flowName}`);
  }
  const info = workflowInfo();
  const total = flow.steps.length;
  const progress: FlowProgress = {
    flowName: flow.flowName,
    workflowId: info.workflowId,
    resource,
    phase: 'running',
    index: 0,
    total,
    steps: flow.steps.map((step) => ({ stepName: step.stepName, className: step.className, outcome: 'pending' })),
  };
  let cancelReason: string | undefined;
  let running: CancellationScope | undefined;
  setHandler(progressQuery, () => progress);
  setHandler(cancelSignal, (reason?: string) => {
    cancelReason = reason || 'cancel signal';
    running?.cancel();
  });
  upsertSearchAttributes([
    { key: searchAttributes.cluster, value: resource.name },
    { key: searchAttributes.namespace, value: resource.namespace },
    { key: searchAttributes.flow, value: flow.flowName },
    { key: searchAttributes.state, value: input.state ?? '' },
  ]);
  const event = (extra: Partial<FlowEvent> = {}): FlowEvent => ({
    resource,
    flowName: flow.flowName,
    workflowId: info.workflowId,
    runId: info.runId,
    total,
    state: input.state,
    ...extra,
  });

  // Params plus every completed step's output; an interrupt hands them on to the resumed run.
  const values: Record<string, unknown> = { ...input.carriedOutputs, ...input.params };
  const interrupt = async (detail: InterruptInfo): Promise<never> => {
    progress.phase = 'interrupted';
    progress.interrupt = detail;
    await CancellationScope.nonCancellable(() => engine[engineActivityNames.flowInterrupted]!(event({ interrupt: detail, stepName: detail.step })));
    upsertSearchAttributes([{ key: searchAttributes.state, value: 'Interrupt' }]);
    throw ApplicationFailure.create({
      type: failureTypes.flowInterrupted,
      message: `${detail.reason}: ${detail.message}`,
      nonRetryable: true,
      details: [detail, { outputs: values } satisfies InterruptOutputs],
    });
  };

  const start = input.resumeFrom ? flow.steps.findIndex((step) => step.stepName === input.resumeFrom) : 0;
  if (start < 0) {
    return interrupt({ reason: engineInterruptCodes.unknownTask, message: `resumeFrom step "${input.resumeFrom}" is not in flow ${flow.flowName}` });
  }
  for (let i = 0; i < start; i++) progress.steps[i]!.outcome = 'skipped';

  try {
    await runSteps();
  } catch (error) {
    // A Temporal cancel outside a step (during a wait, or the start or completion bookkeeping) is still an interrupt.
    if (isCancellation(error) && progress.phase !== 'interrupted') {
      const step = progress.currentStep;
      await interrupt({ reason: engineInterruptCodes.cancelled, message: 'flow cancelled: workflow cancelled', ...(step ? { step } : {}) }).catch(() => undefined);
    }
    throw error;
  }
  return progress;

  async function runSteps(): Promise<void> {
    await engine[engineActivityNames.flowStarted]!(event());

    for (let i = start; i < total; i++) {
      const step = flow.steps[i]!;
      const record = progress.steps[i]!;
      const startedAt = Date.now();
      progress.currentStep = step.stepName;
      progress.index = i + 1;
      record.outcome = 'running';
      record.startedAt = new Date(startedAt).toISOString();
      const call = stepActivity(step);
      let waits = 0;
      for (;;) {
        if (cancelReason !== undefined) {
          record.outcome = 'cancelled';
          return interrupt({ reason: engineInterruptCodes.cancelled, message: `flow cancelled: ${cancelReason}`, step: step.stepName });
        }
        const stepInput: StepInput = {
          flowName: flow.flowName,
          stepName: step.stepName,
          className: step.className,
          index: i + 1,
          total,
          resource,
          params: input.params,
          values: { ...values },
          waitCount: waits,
          state: input.state,
        };
        try {
          running = new CancellationScope();
          const result = await running.run(() => call(stepInput));
          Object.assign(values, result.output);
          record.outcome = 'completed';
          record.attempts = result.attempt;
          record.durationMs = Date.now() - startedAt;
          break;
        } catch (error) {
          const failure = classify(error);
          record.durationMs = Date.now() - startedAt;
          if (failure.kind === 'waiting') {
            waits += 1;
            record.outcome = 'waiting';
            record.waits = waits;
            progress.phase = 'waiting';
            // A durable timer, cut short by a cancel; a wait never counts as a failed attempt.
            await condition(() => cancelReason !== undefined, failure.retryAfterMs);
            progress.phase = 'running';
            record.outcome = 'running';
            continue;
          }
          // A cancel was asked for while the step ran and its worker could not confirm it (a worker killed: the
          // activity times out instead): still the cancel the user asked for, never a retry count it did not reach.
          if (failure.kind === 'exhausted' && cancelReason !== undefined) {
            record.outcome = 'cancelled';
            record.error = failure.message;
            return interrupt({ reason: engineInterruptCodes.cancelled, message: `flow cancelled: ${cancelReason}`, step: step.stepName });
          }
          if (failure.kind === 'cancelled') {
            record.outcome = 'cancelled';
            cancelReason ??= 'workflow cancelled';
            if (CancellationScope.current().consideredCancelled) {
              // Cancelled from Temporal itself (Web UI, `temporal workflow cancel`): record it, then end as cancelled.
              await interrupt({ reason: engineInterruptCodes.cancelled, message: `flow cancelled: ${cancelReason}`, step: step.stepName }).catch(() => undefined);
              throw error;
            }
            return interrupt({ reason: engineInterruptCodes.cancelled, message: `flow cancelled: ${cancelReason}`, step: step.stepName });
          }
          record.outcome = 'failed';
          if (failure.kind === 'interrupt') {
            record.error = failure.message;
            return interrupt({ reason: failure.code, message: failure.message, step: step.stepName });
          }
          record.attempts = step.retry.maximumAttempts;
          record.error = failure.message;
          return interrupt({
            reason: engineInterruptCodes.manyRetry,
            message: `step ${step.stepName} ${howItFailed(failure.retryState, step.retry.maximumAttempts)}; last error: ${failure.message}`,
            step: step.stepName,
          });
        } finally {
          running = undefined;
        }
      }
    }
    progress.phase = 'completed';
    progress.currentStep = undefined;
    await engine[engineActivityNames.flowCompleted]!(event());
  }
}

/** One workflow type per flowName: the generated entry module exports `flowWorkflow(name)` under each name. */
export function flowWorkflow(flowName: string): (input: FlowInput) => Promise<FlowProgress> {
  return (input: FlowInput) => runFlow(flowName, input);
}
