import { InvalidFlowsError, formatProblem } from '../flows/problems';
import { loadOperator } from '../operator-api/load-operator';
import type { CompiledFlow } from '../contract/flow-definition';

export interface FlowsOptions {
  /** The operator whose steps the flows name. */
  operator: string;
}

/** `mpdflow flows validate [dir]`: every problem as path:line:col: message; exit 1 if any. */
export async function flowsValidateCommand(dir: string | undefined, options: FlowsOptions): Promise<void> {
  try {
    const { flows } = await loadOperator(options.operator, { flowsDir: dir });
    process.stdout.write(`${flows.size} flows valid\n`);
  } catch (error) {
    if (!(error instanceof InvalidFlowsError)) throw error;
    process.stderr.write(`${error.problems.map(formatProblem).join('\n')}\n`);
    process.exitCode = 1;
  }
}

/** `mpdflow flows list`: each flow with its steps. */
export async function flowsListCommand(options: FlowsOptions & { dir?: string }): Promise<void> {
  const { flows } = await loadOperator(options.operator, { flowsDir: options.dir });
  for (const flow of [...flows.values()].sort((a, b) => a.flowName.localeCompare(b.flowName))) {
    process.stdout.write(`${flow.flowName} (${flow.source}, ${flow.steps.length} steps${flow.recoverFromFirstStep ? ', recovers from the first step' : ''})\n`);
    flow.steps.forEach((step, i) => process.stdout.write(`  ${i + 1}. ${step.stepName}  [${step.className}]\n`));
  }
}

/** A Mermaid flowchart of one flow: its steps in order, and where failures lead. */
export function mermaidGraph(flow: CompiledFlow): string {
  const id = (i: number) => `s${i}`;
  const lines = ['flowchart TD', `  start((${flow.flowName}))`];
  flow.steps.forEach((step, i) => lines.push(`  ${id(i)}["${i + 1}. ${step.stepName}<br/><small>${step.className}</small>"]`));
  lines.push(`  start --> ${id(0)}`);
  flow.steps.forEach((_, i) => lines.push(i + 1 < flow.steps.length ? `  ${id(i)} --> ${id(i + 1)}` : `  ${id(i)} --> done((Completed))`));
  lines.push('  interrupt{{Interrupt}}');
  flow.steps.forEach((step, i) => lines.push(`  ${id(i)} -. "fails ${step.retry.maximumAttempts}x / interrupt / cancel" .-> interrupt`));
  return `${lines.join('\n')}\n`;
}

export async function flowsGraphCommand(flowName: string, options: FlowsOptions & { dir?: string }): Promise<void> {
  const { flows } = await loadOperator(options.operator, { flowsDir: options.dir });
  const flow = flows.get(flowName);
  if (!flow) throw new Error(`no flow named ${flowName}; known: ${[...flows.keys()].join(', ')}`);
  process.stdout.write(mermaidGraph(flow));
}
