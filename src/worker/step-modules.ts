import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepFactory } from '../flows/step';
import type { StepRegistry } from '../flows/step-registry';
import type { WorkerServices } from './services';

/**
 * Operator step modules: each exports `steps`, a record of className → factory, added to the registry.
 * This is how a deployment adds steps without forking mpdflow.
 */
export async function addStepModules(registry: StepRegistry<WorkerServices>, modules: readonly string[]): Promise<void> {
  for (const module of modules) {
    const loaded = (await import(pathToFileURL(resolve(module)).href)) as { steps?: Record<string, StepFactory<WorkerServices>> };
    if (!loaded.steps || typeof loaded.steps !== 'object') {
      throw new Error(`${module} must export \`steps\`: a record of className to step factory`);
    }
    registry.registerAll(loaded.steps);
  }
}
