import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StepFactory } from '../flows/step';
import type { FlowHooks } from '../flows/hooks';
import type { StepRegistry } from '../flows/step-registry';
import type { WorkerServices } from './services';

/**
 * Operator modules: each exports `steps`, a record of className → factory added to the registry, and may export
 * `hooks` (FlowHooks) called at the seed's six hook points. This is how a deployment extends mpdflow without forking it.
 */
export async function addStepModules(registry: StepRegistry<WorkerServices>, modules: readonly string[]): Promise<FlowHooks[]> {
  const hooks: FlowHooks[] = [];
  for (const module of modules) {
    const loaded = (await import(pathToFileURL(resolve(module)).href)) as { steps?: Record<string, StepFactory<WorkerServices>>; hooks?: FlowHooks };
    if (!loaded.steps || typeof loaded.steps !== 'object') {
      throw new Error(`${module} must export \`steps\`: a record of className to step factory`);
    }
    registry.registerAll(loaded.steps);
    if (loaded.hooks) hooks.push(loaded.hooks);
  }
  return hooks;
}
