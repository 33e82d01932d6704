import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadFlowsOrThrow } from '../flows/flow-loader';
import { StepRegistry } from '../flows/step-registry';
import type { StepServices } from '../flows/step-services';
import type { LoadedOperator, Operator } from './operator';

/** Another flow directory than the operator's own (`--flows`, `flows validate <dir>`). */
export interface LoadOptions {
  flowsDir?: string;
}

/** The operator's steps registered and its flows validated against them; throws InvalidFlowsError on any problem. */
export function prepareOperator(operator: Operator, options: LoadOptions = {}): LoadedOperator {
  const stepRegistry = new StepRegistry<StepServices>().registerAll(operator.steps);
  // One definition of a step's effects: an entry for a className that is not a step is a typo, said at load.
  const unknown = Object.keys(operator.effects?.steps ?? {}).filter((className) => !stepRegistry.has(className));
  if (unknown.length > 0) throw new Error(`operator ${operator.name}: effects declared for unregistered steps: ${unknown.join(', ')}`);
  const flowsDir = options.flowsDir ?? operator.flowsDir;
  const flows = loadFlowsOrThrow(flowsDir, { isRegisteredStep: (className) => stepRegistry.has(className) });
  return { ...operator, flowsDir, flows, stepRegistry };
}

/** Imports the module that exports `operator` (a path or a file: URL) and prepares it: once per process. */
export async function loadOperator(module: string, options: LoadOptions = {}): Promise<LoadedOperator> {
  const url = module.startsWith('file:') ? module : pathToFileURL(resolve(module)).href;
  const loaded = (await import(url)) as { operator?: Operator };
  const operator = loaded.operator;
  if (!operator?.stateMachine || !operator.flowsDir || typeof operator.steps !== 'object') {
    throw new Error(`${module} must export \`operator\`: { name, stateMachine, flowsDir, steps, ... } (src/operator-api/operator.ts)`);
  }
  return prepareOperator(operator, options);
}
