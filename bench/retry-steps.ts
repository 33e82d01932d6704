import { fileURLToPath } from 'node:url';
import type { StepAction, StepContext } from '../src/flows/step';
import type { Operator } from '../src/operator-api/operator';
import { StateMachine } from '../src/statemachine/state-machine';

/** When each attempt started, by workflow id: the worker runs in the benchmark's own process. */
export const attemptTimes = new Map<string, number[]>();

/** Fails until its attempt number exceeds params.failures. */
class FailTimes implements StepAction {
  async doStep(ctx: StepContext): Promise<void> {
    const times = attemptTimes.get(ctx.workflowId) ?? [];
    times.push(Date.now());
    attemptTimes.set(ctx.workflowId, times);
    if (ctx.attempt <= Number(ctx.params.failures ?? 0)) throw new Error(`planned failure ${ctx.attempt}`);
  }
}

export const operator: Operator = {
  name: 'bench-retry',
  stateMachine: new StateMachine(),
  flowsDir: fileURLToPath(new URL('./retry-flows', import.meta.url)),
  steps: { 'bench.FailTimes': () => new FailTimes() },
};
