import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OperatorDefinition } from '../controller/operator-definition';

/** Loads an operator definition module (it exports `operator`); the default is the built-in one. */
export async function loadOperator(module: string | undefined, builtIn: string): Promise<OperatorDefinition> {
  const path = module ? pathToFileURL(resolve(module)).href : builtIn;
  const loaded = (await import(path)) as { operator?: OperatorDefinition };
  if (!loaded.operator?.stateMachine) throw new Error(`${module ?? builtIn} must export \`operator\` with a stateMachine`);
  return loaded.operator;
}
