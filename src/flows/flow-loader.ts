import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CompiledFlow } from '../contract/flow-definition';
import { FlowFileSchema, StepGroupFileSchema, stepGroupSuffix, type FlowFile, type StepGroupFile } from './flow-schema';
import { compileFlow, type ParsedFlow, type ParsedGroup } from './flow-compiler';
import { InvalidFlowsError, type FlowProblem } from './problems';
import { schemaProblems } from './schema-problems';
import { YamlSource } from './yaml-source';

export interface LoadOptions {
  /** Whether a className has a step implementation (the worker's step registry answers). */
  isRegisteredStep: (className: string) => boolean;
  /** Paths in problems are shown relative to this directory (default: the current directory). */
  displayRoot?: string;
}

export interface LoadResult {
  flows: Map<string, CompiledFlow>;
  problems: FlowProblem[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

/** Reads every flow and step group under `dir`, validates all of it, and compiles the flows. */
export function loadFlowDir(dir: string, options: LoadOptions): LoadResult {
  const root = options.displayRoot ?? process.cwd();
  const problems: FlowProblem[] = [];
  const flows: ParsedFlow[] = [];
  const groups = new Map<string, ParsedGroup>();

  for (const path of yamlFiles(dir)) {
    const shown = relative(root, path) || path;
    const source = new YamlSource(shown.startsWith('..') ? path : shown, readFileSync(path, 'utf8'));
    if (path.endsWith('.yml')) {
      problems.push(source.problemAt([], 'flow files end in .yaml (this .yml file would be ignored)'));
      continue;
    }
    const syntax = source.syntaxProblems();
    if (syntax.length > 0) {
      problems.push(...syntax);
      continue;
    }
    const value = source.toJS();
    if (value === null || value === undefined) {
      problems.push(source.problemAt([], 'the file is empty; a flow needs flowName and steps'));
      continue;
    }
    const isGroup = path.endsWith(stepGroupSuffix);
    const schemaErrors = schemaProblems(source, isGroup ? StepGroupFileSchema : FlowFileSchema, value);
    if (schemaErrors.length > 0) {
      problems.push(...schemaErrors);
      continue;
    }
    if (isGroup) {
      const file = value as StepGroupFile;
      const existing = groups.get(file.groupName);
      if (existing) {
        const first = existing.source.problemAt(['groupName'], '');
        problems.push(source.problemAt(['groupName'], `groupName "${file.groupName}" is already defined in ${first.file}:${first.line}:${first.col}`));
      } else {
        groups.set(file.groupName, { source, file });
      }
    } else {
      flows.push({ source, relativePath: relative(dir, path), file: value as FlowFile });
    }
  }

  const compiled = new Map<string, CompiledFlow>();
  const firstSource = new Map<string, ParsedFlow>();
  for (const flow of flows) {
    const earlier = firstSource.get(flow.file.flowName);
    if (earlier) {
      const first = earlier.source.problemAt(['flowName'], '');
      problems.push(flow.source.problemAt(['flowName'], `flowName "${flow.file.flowName}" is already defined in ${first.file}:${first.line}:${first.col}`));
      continue;
    }
    firstSource.set(flow.file.flowName, flow);
    const result = compileFlow(flow, groups, options.isRegisteredStep);
    problems.push(...result.problems);
    if (result.compiled) compiled.set(flow.file.flowName, result.compiled);
  }
  return { flows: compiled, problems };
}

/** The compiled flows of `dir`, or an InvalidFlowsError listing every problem. */
export function loadFlowsOrThrow(dir: string, options: LoadOptions): Map<string, CompiledFlow> {
  const { flows, problems } = loadFlowDir(dir, options);
  if (problems.length > 0) throw new InvalidFlowsError(problems);
  return flows;
}
