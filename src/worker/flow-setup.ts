import { join } from 'node:path';
import { builtInSteps } from '../../activities/index';
import type { CompiledFlow } from '../contract/flow-definition';
import { loadFlowsOrThrow } from '../flows/flow-loader';
import type { StepRegistry } from '../flows/step-registry';
import { projectRoot } from '../infra/paths';
import type { WorkerServices } from './services';
import type { FlowHooks } from '../flows/hooks';
import { addStepModules } from './step-modules';

export const defaultFlowsDir = join(projectRoot, 'flows');

export interface FlowSetup {
  steps: StepRegistry<WorkerServices>;
  flows: Map<string, CompiledFlow>;
  flowsDir: string;
  /** Hooks exported by the operator modules. */
  hooks: FlowHooks[];
}

/** The step registry (built-in plus operator modules) and the flows validated against it; throws on any problem. */
export async function loadFlowSetup(options: { flowsDir?: string; stepModules?: readonly string[] }): Promise<FlowSetup> {
  const steps = builtInSteps();
  const hooks = await addStepModules(steps, options.stepModules ?? []);
  const flowsDir = options.flowsDir ?? defaultFlowsDir;
  const flows = loadFlowsOrThrow(flowsDir, { isRegisteredStep: (className) => steps.has(className) });
  return { steps, flows, flowsDir, hooks };
}
