import { fileURLToPath } from 'node:url';
import type { StepAction } from '../src/flows/step';
import type { Operator } from '../src/operator-api/operator';
import { StateMachine } from '../src/statemachine/state-machine';

/** A step that does nothing: what is left is the engine's own cost. */
class Noop implements StepAction {
  async doStep(): Promise<void> {}
}

export const steps = { 'bench.Noop': () => new Noop() };

/** The flow-overhead bench's operator: bench/flows, no transitions. */
export const operator: Operator = { name: 'bench-noop', stateMachine: new StateMachine(), flowsDir: fileURLToPath(new URL('./flows', import.meta.url)), steps };
