import { Context } from '@temporalio/activity';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { engineInterruptCodes, failureTypes, transitionKeyOf, type FlowEvent, type StepInput, type StepResult } from '../contract/flow-run';
import { apiStatus } from '../kube/client';
import { callHooks, type FlowHooks } from '../flows/hooks';
import { errorText, readableText } from '../kube/error-text';
import type { FlowResource } from './flow-resource';
import { InterruptError, WaitingError, type StepContext } from '../flows/step';
import type { StepRegistry } from '../flows/step-registry';
import { runThroughApiOutages, type ApiServerAnswers } from './api-outage';

export interface StepRuntime<Services> {
  steps: StepRegistry<Services>;
  resource: FlowResource;
  hooks: readonly FlowHooks[];
  services: Services;
  log: Logger;
  /** Called for every attempt after the first (metrics). */
  onRetry?: (input: StepInput, attempt: number) => void;
  /** Called on each liveness pulse of a running step, with when its first attempt was scheduled (the stuck watch). */
  onPulse?: (input: StepInput, workflowId: string, since: number) => void;
  /** Whether the API server answers: a step failing while it does not waits for it instead of failing its attempt. */
  apiServerAnswers?: ApiServerAnswers;
}

/** Liveness pings: cancellation reaches a running activity only through its heartbeats. */
const heartbeatEveryMs = 1_000;
/** Bad request, forbidden, invalid: no retry of the same request can succeed. */
const permanentApiStatuses = new Set([400, 403, 422]);

function stepEvent(input: StepInput, info: Context['info'], durationMs?: number): FlowEvent {
  return {
    resource: input.resource,
    flowName: input.flowName,
    workflowId: info.workflowExecution?.workflowId ?? '',
    runId: info.workflowExecution?.runId ?? '',
    total: input.total,
    state: input.state,
    stepName: input.stepName,
    index: input.index,
    durationMs,
  };
}

/** The flow-level event the start hooks get (the step's own fields left out). */
function flowStartEvent(input: StepInput, info: Context['info']): FlowEvent {
  const { stepName: _step, index: _index, durationMs: _duration, ...flow } = stepEvent(input, info);
  return flow;
}

/** The activity that runs one className: hooks and progress around the step's init/doStep/output. */
export function stepActivity<Services>(className: string, runtime: StepRuntime<Services>) {
  return async (input: StepInput): Promise<StepResult> => {
    const activity = Context.current();
    const { info } = activity;
    const log = runtime.log.child({
      cluster: `${input.resource.namespace}/${input.resource.name}`,
      flow: input.flowName,
      step: input.stepName,
      attempt: info.attempt,
      workflowId: info.workflowExecution?.workflowId ?? '',
    });
    const firstTry = info.attempt === 1 && input.waitCount === 0;
    if (info.attempt > 1) runtime.onRetry?.(input, info.attempt);
    if (firstTry) {
      // The one status write of this step, sent beside it (the controller wrote an announced first step with its
      // transition); the flow-start hooks on the run's first step; the step's.
      if (!input.announced) runtime.resource.reportProgress(stepEvent(input, info));
      if (input.flowStart) await callHooks(runtime.hooks, 'onFlowStart', flowStartEvent(input, info), log);
      await callHooks(runtime.hooks, 'onStepStart', stepEvent(input, info), log);
    }
    // The pulse repeats what the step last said it waits for: the Web UI's pending activity keeps showing it.
    let lastDetails: unknown;
    const heartbeat = (details?: unknown) => {
      lastDetails = details;
      activity.heartbeat(details);
    };
    const pulse = setInterval(() => {
      activity.heartbeat(lastDetails);
      runtime.onPulse?.(input, info.workflowExecution?.workflowId ?? '', info.scheduledTimestampMs);
    }, heartbeatEveryMs);
    const started = Date.now();
    try {
      const step = runtime.steps.create(className);
      const context: StepContext<Services> = {
        resource: input.resource,
        flowName: input.flowName,
        stepName: input.stepName,
        workflowId: info.workflowExecution?.workflowId ?? '',
        runId: info.workflowExecution?.runId ?? '',
        transitionKey: transitionKeyOf(info.workflowExecution?.workflowId ?? ''),
        attempt: info.attempt,
        params: input.params,
        values: input.values,
        state: input.state,
        signal: activity.cancellationSignal,
        heartbeat,
        log,
        services: runtime.services,
      };
      const runOnce = async () => {
        await step.init?.(context);
        await step.doStep(context);
        return (await step.output?.(context)) ?? {};
      };
      const answers = runtime.apiServerAnswers;
      const run = answers ? () => runThroughApiOutages(runOnce, { answers, signal: activity.cancellationSignal, heartbeat, log }) : runOnce;
      // A step that ignores its signal still ends the activity at cancel time (the seed let it run on).
      const output = await Promise.race([run(), activity.cancelled]);
      await callHooks(runtime.hooks, 'onStepCompleted', stepEvent(input, info, Date.now() - started), log);
      return { output, attempt: info.attempt };
    } catch (error) {
      if (error instanceof WaitingError) {
        // What it waits for, once: the Event says it (status.workflow shows the step and the phase).
        if (input.waitCount === 0) await callHooks(runtime.hooks, 'onStepWaiting', { ...stepEvent(input, info), error: error.message }, log);
        throw ApplicationFailure.create({ type: failureTypes.waiting, message: error.message, nonRetryable: true, details: [{ retryAfterMs: error.retryAfterMs }] });
      }
      if (error instanceof InterruptError) {
        throw ApplicationFailure.create({ type: failureTypes.interrupt, message: readableText(error.message), nonRetryable: true, details: [{ code: error.code }] });
      }
      // An API error's own message is a multi-line HTTP dump (body, headers): people read one line (still retried).
      // So is any error that carries such a dump in its message, or spreads over lines.
      const readable = errorText(error);
      if (permanentApiStatuses.has(apiStatus(error) ?? 0)) {
        // The same request would be refused again: interrupt now, in the API server's words (recover retries it once fixed).
        log.warn({ status: apiStatus(error), error: readable }, 'step refused by the API server; interrupting');
        throw ApplicationFailure.create({ type: failureTypes.interrupt, message: readable, nonRetryable: true, details: [{ code: engineInterruptCodes.apiRefused }] });
      }
      const failure =
        error instanceof ApiException
          ? ApplicationFailure.retryable(readable, 'KubernetesApiError')
          : error instanceof Error && !(error instanceof ApplicationFailure) && readable !== error.message
            ? ApplicationFailure.retryable(readable, error.name)
            : error;
      if (activity.cancellationSignal.aborted) log.info('step cancelled');
      else {
        log.warn({ err: error }, 'step attempt failed');
        const message = failure instanceof Error ? failure.message : String(failure);
        // Only a failed attempt writes its attempt and error: a step that succeeds at once costs no extra write.
        runtime.resource.reportRetry?.(stepEvent(input, info), info.attempt + 1, message);
        await callHooks(runtime.hooks, 'onStepFailed', { ...stepEvent(input, info, Date.now() - started), attempt: info.attempt, error: message }, log);
      }
      throw failure;
    } finally {
      clearInterval(pulse);
    }
  };
}

/** One activity per registered className. */
export function stepActivities<Services>(runtime: StepRuntime<Services>): Record<string, (input: StepInput) => Promise<StepResult>> {
  return Object.fromEntries(runtime.steps.classNames().map((className) => [className, stepActivity(className, runtime)]));
}
