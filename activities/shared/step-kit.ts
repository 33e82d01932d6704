import type { StepAction } from '../../src/flows/step';
import type { StepServices } from '../../src/flows/step-services';
import type { Ctx } from './instances';

/** A step whose whole work is one idempotent function: the common case. */
export function step(doStep: (ctx: Ctx) => Promise<void>): () => StepAction<StepServices> {
  return () => ({ doStep });
}
