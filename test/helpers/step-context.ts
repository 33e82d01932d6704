/** A step's context as the worker gives it to one attempt, for tests that call the shared activities' code directly. */
import { transitionKeyOf } from '../../src/contract/flow-run';
import type { StepContext } from '../../src/flows/step';
import { stepServices, type StepServices } from '../../src/flows/step-services';
import { rootLogger } from '../../src/infra/log';
import { kube } from './stack';

export interface TestAttempt {
  ctx: StepContext<StepServices>;
  /** Supersedes the attempt (its cancellation signal fires). */
  abort: () => void;
}

export function stepAttempt(ref: { namespace: string; name: string }, run: { workflowId: string; flowName: string; stepName: string; state: string; attempt?: number }): TestAttempt {
  const controller = new AbortController();
  const log = rootLogger.child({ test: run.stepName });
  const ctx: StepContext<StepServices> = {
    resource: { resourceType: 'MPDCluster', ...ref },
    flowName: run.flowName,
    stepName: run.stepName,
    workflowId: run.workflowId,
    runId: `run-${run.attempt ?? 1}`,
    transitionKey: transitionKeyOf(run.workflowId),
    attempt: run.attempt ?? 1,
    params: {},
    values: {},
    state: run.state,
    signal: controller.signal,
    heartbeat: () => undefined,
    log,
    services: stepServices(kube(), log),
  };
  return { ctx, abort: () => controller.abort() };
}
