import { StepRegistry } from '../src/flows/step-registry';
import type { WorkerServices } from '../src/worker/services';
import { sharedSteps } from './shared/index';

/** The built-in steps, by className. Operator code adds its own with `mpdflow worker --steps module`. */
export function builtInSteps(): StepRegistry<WorkerServices> {
  return new StepRegistry<WorkerServices>().registerAll(sharedSteps);
}
