import type { CompiledFlow } from '../contract/flow-definition';
import { States } from '../contract/states';
import { interruptAnnotations } from '../kube/annotations';
import { goEngineContextKeys, goFinishedStatuses, MementoProblem, type GoFlowRuntime } from './memento-parse';

/** What the controller does with a Go engine memento, decided from the memento and the cluster alone. */
export type MigrationPlan =
  /** The newest unfinished flow resumes in Temporal at `resumeFrom`, as a transition of its own. */
  | { kind: 'resume'; key: string; flowName: string; state: string; resumeFrom: string; stepIndex: number; stepTotal: number; params: Record<string, unknown>; carriedOutputs: Record<string, unknown> }
  /** An Interrupt cluster: the failed step is recorded, so a recovery resumes there. */
  | { kind: 'interrupted'; key: string; flowName: string; previousState: string; failedStep: string; stepIndex: number; stepTotal: number; params: Record<string, unknown>; carriedOutputs: Record<string, unknown> }
  /** Nothing to resume: the memento is only marked. */
  | { kind: 'nothing'; why: string };

/** What the planner needs from the operator: its flows and the entries of its states. */
export interface MigrationFacts {
  flows: ReadonlyMap<string, CompiledFlow>;
  isStable(state: string): boolean;
  /** The flow a state runs when entered, and whether it replaces another unfinished flow (the seed's ignoreUnCompleted). */
  entryOf(state: string): { flowName: string; ignoreUnCompleted: boolean } | undefined;
}

export interface ClusterFacts {
  name: string;
  /** The normalized state ("" is Creating). */
  state: string;
  annotations: Record<string, string>;
  /** The transition mpdflow already recorded on the cluster, if any. */
  transitionId?: number;
}

/** The event name of a transition written from a memento: a second pass recognises its own work. */
export const migratedEvent = 'GoEngineMemento';

/**
 * The seed's resume rule on mpdflow (§1.5, §2.4, §2.9): the newest unfinished flow resumes at its first unfinished step
 * with the event params and the output of the step before; an Interrupt cluster keeps the failed step of its last flow.
 * Throws MementoProblem when the memento does not fit this operator's flows.
 */
export function planMigration(runtimes: GoFlowRuntime[], cluster: ClusterFacts, facts: MigrationFacts): MigrationPlan {
  if (cluster.transitionId !== undefined) return { kind: 'nothing', why: `mpdflow already runs this cluster (transition ${cluster.transitionId}); the memento is older` };
  if (runtimes.length === 0) return { kind: 'nothing', why: 'the memento holds no flow' };
  for (const runtime of runtimes) checkOwner(runtime, cluster.name);
  const last = runtimes[runtimes.length - 1]!;
  const unfinished = [...runtimes].reverse().find((r) => !goFinishedStatuses.includes(r.flowStatus));

  if (cluster.state === States.interrupt) {
    // RetryInterruptedStep reads the last flow of any status (§2.9); a `running` one is the seed's unsaved-interrupt bug.
    if (last.flowStatus === 'completed') return { kind: 'nothing', why: `its last flow ${last.key} completed; nothing to recover from` };
    const flow = flowOf(last, facts);
    const at = firstUnfinishedStep(last, flow);
    if (!at) return { kind: 'nothing', why: `every step of ${last.key} completed; nothing to recover from` };
    const previousState = cluster.annotations[interruptAnnotations.previousStatus] ?? '';
    return { kind: 'interrupted', key: last.key, flowName: flow.flowName, previousState, failedStep: at.stepName, stepIndex: at.index + 1, stepTotal: flow.steps.length, ...savedContext(last, flow, at.index) };
  }
  if (facts.isStable(cluster.state)) {
    if (unfinished) return { kind: 'nothing', why: `flow ${unfinished.key} is ${unfinished.flowStatus} but the cluster is ${cluster.state}: left as the Go engine left it` };
    return { kind: 'nothing', why: 'every flow in it finished' };
  }
  if (!unfinished) return { kind: 'nothing', why: `every flow in it finished; ${cluster.state} is entered as any state without a recorded transition` };
  const entry = facts.entryOf(cluster.state);
  if (entry?.ignoreUnCompleted && entry.flowName !== unfinished.flowName) {
    return { kind: 'nothing', why: `${cluster.state} replaces the unfinished flow ${unfinished.key} (ignoreUnCompleted), as in the Go engine` };
  }
  const flow = flowOf(unfinished, facts);
  const at = firstUnfinishedStep(unfinished, flow);
  if (!at) return { kind: 'nothing', why: `every step of ${unfinished.key} completed; ${cluster.state} is entered as any state without a recorded transition` };
  return { kind: 'resume', key: unfinished.key, flowName: flow.flowName, state: cluster.state, resumeFrom: at.stepName, stepIndex: at.index + 1, stepTotal: flow.steps.length, ...savedContext(unfinished, flow, at.index) };
}

/** A line a person reads: what a plan will do. */
export function describePlan(plan: MigrationPlan): string {
  switch (plan.kind) {
    case 'resume':
      return `resume ${plan.key} in ${plan.state} at step ${plan.stepIndex}/${plan.stepTotal} ${plan.resumeFrom} (params ${JSON.stringify(plan.params)}, carried ${JSON.stringify(plan.carriedOutputs)})`;
    case 'interrupted':
      return `record ${plan.key}'s failed step ${plan.stepIndex}/${plan.stepTotal} ${plan.failedStep}: a recovery resumes there${plan.previousState ? ` in ${plan.previousState}` : ''}`;
    case 'nothing':
      return `nothing to resume: ${plan.why}`;
  }
}

function checkOwner(runtime: GoFlowRuntime, name: string): void {
  const owner = runtime.initContext._resourceName;
  if (owner !== undefined && owner !== name) throw new MementoProblem(`key "${runtime.key}": initContext._resourceName is "${String(owner)}", not this cluster`);
}

function flowOf(runtime: GoFlowRuntime, facts: MigrationFacts): CompiledFlow {
  const flow = facts.flows.get(runtime.flowName);
  if (!flow) throw new MementoProblem(`key "${runtime.key}": flow ${runtime.flowName} is not a flow of this operator (known: ${[...facts.flows.keys()].join(', ')})`);
  return flow;
}

/** The first step, in the flow's order, the Go engine had not completed; every step must be in the memento. */
function firstUnfinishedStep(runtime: GoFlowRuntime, flow: CompiledFlow): { stepName: string; index: number } | undefined {
  const byName = new Map(runtime.runningSteps.map((s) => [s.stepName, s]));
  for (const name of byName.keys()) {
    if (!flow.steps.some((s) => s.stepName === name)) throw new MementoProblem(`key "${runtime.key}": step ${name} is not a step of flow ${flow.flowName} any more`);
  }
  const missing = flow.steps.find((step) => !byName.has(step.stepName));
  if (missing) throw new MementoProblem(`key "${runtime.key}": step ${missing.stepName} of flow ${flow.flowName} is not in the memento (the flow changed since)`);
  const index = flow.steps.findIndex((step) => byName.get(step.stepName)!.stepStatus !== 'completed');
  return index < 0 ? undefined : { stepName: flow.steps[index]!.stepName, index };
}

/** The seed's context of step i: the event params, plus the output of the step before it (§2.6). */
function savedContext(runtime: GoFlowRuntime, flow: CompiledFlow, index: number): { params: Record<string, unknown>; carriedOutputs: Record<string, unknown> } {
  const params = Object.fromEntries(Object.entries(runtime.initContext).filter(([key]) => !(goEngineContextKeys as readonly string[]).includes(key)));
  const before = index > 0 ? runtime.runningSteps.find((s) => s.stepName === flow.steps[index - 1]!.stepName) : undefined;
  return { params, carriedOutputs: before?.contextOutput ?? {} };
}
