import { createHash } from 'node:crypto';
import {
  defaultHeartbeatMs,
  defaultRetry,
  defaultStepTimeoutMs,
  type CompiledFlow,
  type CompiledRetry,
  type CompiledStep,
} from '../contract/flow-definition';
import { durationMs } from './duration';
import type { FlowFile, RetryEntry, StepEntry, StepGroupFile } from './flow-schema';
import type { FlowProblem } from './problems';
import type { YamlSource } from './yaml-source';

export interface ParsedFlow {
  source: YamlSource;
  relativePath: string;
  file: FlowFile;
}

export interface ParsedGroup {
  source: YamlSource;
  file: StepGroupFile;
}

interface Tuning {
  retry?: RetryEntry;
  timeout?: string;
  heartbeat?: string;
}

/** A flattened step with where it was written, for problems that point at it. */
interface LocatedStep {
  entry: StepEntry;
  source: YamlSource;
  path: Array<string | number>;
}

/**
 * Expands step groups, checks names and classNames, resolves retry/timeout/heartbeat
 * (step over flow over defaults) and produces the definition a run is started with.
 */
export function compileFlow(
  flow: ParsedFlow,
  groups: ReadonlyMap<string, ParsedGroup>,
  isRegisteredStep: (className: string) => boolean,
): { compiled?: CompiledFlow; problems: FlowProblem[] } {
  const problems: FlowProblem[] = [];
  const steps: LocatedStep[] = [];

  const expand = (entries: StepGroupFile['steps'], source: YamlSource, chain: string[]) => {
    entries.forEach((entry, index) => {
      const path: Array<string | number> = ['steps', index];
      const groupName = 'group' in entry ? entry.group : !isRegisteredStep(entry.className) && groups.has(entry.className) ? entry.className : undefined;
      if (groupName === undefined) {
        const step = entry as StepEntry;
        if (!isRegisteredStep(step.className)) {
          problems.push(source.problemAt([...path, 'className'], `className "${step.className}" is not a registered step`));
        }
        steps.push({ entry: step, source, path });
        return;
      }
      const group = groups.get(groupName);
      const at = [...path, 'group' in entry ? 'group' : 'className'];
      if (!group) {
        problems.push(source.problemAt(at, `unknown step group "${groupName}"`));
      } else if (chain.includes(groupName)) {
        problems.push(source.problemAt(at, `step group "${groupName}" includes itself (${[...chain, groupName].join(' -> ')})`));
      } else {
        expand(group.file.steps, group.source, [...chain, groupName]);
      }
    });
  };
  expand(flow.file.steps, flow.source, []);

  const seen = new Map<string, LocatedStep>();
  for (const step of steps) {
    const first = seen.get(step.entry.stepName);
    if (first) {
      const firstAt = first.source.problemAt([...first.path, 'stepName'], '');
      problems.push(
        step.source.problemAt(
          [...step.path, 'stepName'],
          `duplicate stepName "${step.entry.stepName}" in flow "${flow.file.flowName}" (first at ${firstAt.file}:${firstAt.line}:${firstAt.col})`,
        ),
      );
    } else {
      seen.set(step.entry.stepName, step);
    }
  }

  const compiledSteps = steps.map((step) => compileStep(step, flow, problems));
  if (problems.length > 0) return { problems };
  const body = { flowName: flow.file.flowName, recoverFromFirstStep: flow.file.recoverFromFirstStep ?? false, steps: compiledSteps, source: flow.relativePath };
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  return { compiled: { ...body, hash }, problems };
}

function compileStep(step: LocatedStep, flow: ParsedFlow, problems: FlowProblem[]): CompiledStep {
  const flowTuning: Tuning = flow.file;
  const stepTuning: Tuning = step.entry;
  const retryEntry = { ...flowTuning.retry, ...stepTuning.retry };
  const retry: CompiledRetry = {
    maximumAttempts: retryEntry.maximumAttempts ?? defaultRetry.maximumAttempts,
    initialIntervalMs: retryEntry.initialInterval ? durationMs(retryEntry.initialInterval) : defaultRetry.initialIntervalMs,
    backoffCoefficient: retryEntry.backoffCoefficient ?? defaultRetry.backoffCoefficient,
    maximumIntervalMs: retryEntry.maximumInterval ? durationMs(retryEntry.maximumInterval) : defaultRetry.maximumIntervalMs,
  };
  const timeoutMs = durationMs(stepTuning.timeout ?? flowTuning.timeout ?? `${defaultStepTimeoutMs}ms`);
  const heartbeatMs = durationMs(stepTuning.heartbeat ?? flowTuning.heartbeat ?? `${defaultHeartbeatMs}ms`);

  // Point at whichever file (step entry or flow) set the offending value.
  const where = (key: 'retry' | 'timeout' | 'heartbeat', sub?: string) => {
    const onStep = key === 'retry' ? stepTuning.retry?.[sub as keyof RetryEntry] !== undefined : stepTuning[key] !== undefined;
    const base = onStep ? [...step.path, key] : [key];
    const source = onStep ? step.source : flow.source;
    return { source, path: sub ? [...base, sub] : base };
  };
  if (retry.maximumIntervalMs < retry.initialIntervalMs) {
    const at = where('retry', 'maximumInterval');
    problems.push(
      at.source.problemAt(at.path, `retry.maximumInterval (${retry.maximumIntervalMs} ms) must not be shorter than retry.initialInterval (${retry.initialIntervalMs} ms)`),
    );
  }
  if (timeoutMs < 1_000 || timeoutMs > 24 * 3_600_000) {
    const at = where('timeout');
    problems.push(at.source.problemAt(at.path, `timeout must be between 1s and 24h, got ${timeoutMs} ms`));
  }
  if (heartbeatMs < 1_000 || heartbeatMs > timeoutMs) {
    const at = where('heartbeat');
    problems.push(at.source.problemAt(at.path, `heartbeat must be at least 1s and at most the timeout (${timeoutMs} ms), got ${heartbeatMs} ms`));
  }
  return { stepName: step.entry.stepName, className: step.entry.className, retry, timeoutMs, heartbeatMs, ...(step.entry.approval ? { approval: true as const } : {}) };
}
