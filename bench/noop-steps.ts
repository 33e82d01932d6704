import type { StepAction } from '../src/flows/step';

/** A step that does nothing: what is left is the engine's own cost. */
class Noop implements StepAction {
  async doStep(): Promise<void> {}
}

export const steps = { 'bench.Noop': () => new Noop() };
