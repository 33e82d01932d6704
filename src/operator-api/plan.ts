import type { CompiledFlow } from '../contract/flow-definition';
import type { MPDCluster } from '../kube/mpdcluster';
import { expectedRemainingMs, type StepDurations } from '../temporal/step-durations';
import type { LoadedOperator, StepEffect } from './operator';

export interface PlannedStep {
  stepName: string;
  className: string;
  approval: boolean;
  effect?: StepEffect;
  usualMs?: number;
}

/** What would happen to a cluster as it stands: computed from the operator's own tables, with no write anywhere. */
export interface Plan {
  cluster: string;
  state: string;
  /** `fire`: a transition would start; `running`: one is under way; `none`/`ignored`/`error`/`invalid`: nothing starts. */
  outcome: 'fire' | 'running' | 'none' | 'ignored' | 'error' | 'invalid';
  message: string;
  transition?: { from: string; to: string; flowName: string; event: string; params: Record<string, unknown> };
  steps: PlannedStep[];
  pods: { restarted: string[]; replaced: string[]; created: string[]; deleted: string[] };
  rwSwitch: boolean;
  /** Gated steps: the flow will wait for `mpdflow approve` before each. */
  approvals: string[];
  estimate?: { durationMs: number; rwDowntimeMs: number; fromRuns: number };
}

const unique = (names: string[]) => [...new Set(names)].sort();

/**
 * The controller's decision without its write: the spec check, then the ordered checkers of the stable state
 * (StateMachine.check evaluates them and nothing else); for a cluster already in a transition, the rest of its flow.
 */
export async function planFor(cluster: MPDCluster, operator: LoadedOperator, learn?: (flowName: string) => Promise<StepDurations>): Promise<Plan> {
  const machine = operator.stateMachine;
  const state = machine.normalize(cluster.status?.clusterStatus);
  const base = { cluster: `${cluster.metadata.namespace}/${cluster.metadata.name}`, state, steps: [], pods: { restarted: [], replaced: [], created: [], deleted: [] }, rwSwitch: false, approvals: [] };
  const invalid = operator.validate?.(cluster);
  if (invalid) return { ...base, outcome: 'invalid', message: `the spec is invalid, nothing would start: ${invalid}` };
  if (!machine.isStable(state)) {
    const entry = machine.entryOf(state);
    const transition = cluster.status?.transition;
    const flow = entry && operator.flows.get(entry.flowName);
    if (!flow) return { ...base, outcome: 'none', message: `state ${state} runs no known flow` };
    if (transition?.to !== state) {
      // An unstable state with no transition recorded (a new cluster is Creating): the controller's entry check.
      const event = await entry.checker(cluster);
      if (!event) return { ...base, outcome: 'none', message: `${state} has no run and its checker finds nothing to do: the controller would set Running` };
      const params = event.params ?? {};
      const detail = await describeFlow(cluster, operator, flow, params, 0, learn);
      const fired = { from: transition?.to ?? '', to: state, flowName: flow.flowName, event: event.name, params };
      return { ...base, ...detail, outcome: 'fire', message: `${state} has no run yet: event ${event.name} would start ${flow.flowName}`, transition: fired };
    }
    const done = cluster.status?.workflow?.workflowId === transition.workflowId ? Math.max(0, (cluster.status?.workflow?.stepIndex ?? 1) - 1) : 0;
    const params = (transition.params ?? {}) as Record<string, unknown>;
    const detail = await describeFlow(cluster, operator, flow, params, done, learn);
    return { ...base, ...detail, outcome: 'running', message: `transition ${transition.from} → ${state} is under way: ${flow.flowName} from step ${done + 1}/${flow.steps.length}`, transition: { from: transition.from, to: transition.to, flowName: transition.flowName, event: transition.event ?? '', params } };
  }
  const outcome = await machine.check(state, cluster);
  if (outcome.kind === 'none') return { ...base, outcome: 'none', message: `no checker of ${state} fires: nothing would start` };
  if (outcome.kind === 'error') return { ...base, outcome: 'error', message: `a checker failed: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}` };
  if (outcome.kind === 'ignored') return { ...base, outcome: 'ignored', message: `event ${outcome.event.name} is ignored: nothing would start` };
  const flow = operator.flows.get(outcome.transition.flowName);
  if (!flow) return { ...base, outcome: 'error', message: `transition to ${outcome.transition.to} names flow ${outcome.transition.flowName}, which does not exist` };
  const params = outcome.event.params ?? {};
  const detail = await describeFlow(cluster, operator, flow, params, 0, learn);
  return {
    ...base,
    ...detail,
    outcome: 'fire',
    message: `${state} → ${outcome.transition.to} would fire (event ${outcome.event.name}) and run ${flow.flowName}`,
    transition: { from: state, to: outcome.transition.to, flowName: flow.flowName, event: outcome.event.name, params },
  };
}

async function describeFlow(cluster: MPDCluster, operator: LoadedOperator, flow: CompiledFlow, params: Record<string, unknown>, from: number, learn?: (flowName: string) => Promise<StepDurations>) {
  const durations = learn ? await learn(flow.flowName) : undefined;
  const remaining = flow.steps.slice(from);
  const steps: PlannedStep[] = remaining.map((step) => ({
    stepName: step.stepName,
    className: step.className,
    approval: step.approval === true,
    effect: operator.effects?.steps[step.className],
    usualMs: durations?.medianMs.get(step.stepName),
  }));
  const pods = (pick: (effect: StepEffect) => string[] | undefined) =>
    unique(steps.flatMap((step) => (step.effect ? (pick(step.effect) ?? []).flatMap((selector) => operator.effects!.pods(cluster, selector, params)) : [])));
  const estimate =
    durations && durations.runs > 0
      ? {
          durationMs: expectedRemainingMs(durations, flow.steps.map((s) => s.stepName), from) ?? 0,
          rwDowntimeMs: steps.filter((s) => s.effect?.rwDown).reduce((sum, s) => sum + (s.usualMs ?? 0), 0),
          fromRuns: durations.runs,
        }
      : undefined;
  return {
    steps,
    pods: { restarted: pods((e) => e.restarts), replaced: pods((e) => e.replaces), created: pods((e) => e.creates), deleted: pods((e) => e.deletes) },
    rwSwitch: steps.some((s) => s.effect?.switchesRw),
    approvals: steps.filter((s) => s.approval).map((s) => s.stepName),
    ...(estimate ? { estimate } : {}),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The plan as people read it. */
export function formatPlan(plan: Plan): string {
  const lines = [`cluster:  ${plan.cluster} (${plan.state})`, `plan:     ${plan.message}`];
  if (plan.steps.length > 0) {
    lines.push('steps:');
    plan.steps.forEach((step, i) => {
      const effect = step.effect;
      const notes = [
        step.approval ? 'waits for approval' : '',
        effect?.switchesRw ? 'switches RW' : '',
        effect?.restarts ? `restarts ${effect.restarts.join(',')}` : '',
        effect?.replaces ? `replaces ${effect.replaces.join(',')}` : '',
        effect?.creates ? `creates ${effect.creates.join(',')}` : '',
        effect?.deletes ? `deletes ${effect.deletes.join(',')}` : '',
        effect?.onlyIf ? `only if ${effect.onlyIf}` : '',
        step.usualMs !== undefined ? `usually ${seconds(step.usualMs)}` : '',
      ].filter(Boolean);
      lines.push(`  ${String(i + 1).padStart(2)}. ${step.stepName}${notes.length ? `  (${notes.join('; ')})` : ''}`);
    });
    const list = (names: string[]) => (names.length ? names.join(', ') : '-');
    lines.push(`restarted: ${list(plan.pods.restarted)}`, `replaced:  ${list(plan.pods.replaced)}`, `created:   ${list(plan.pods.created)}`, `deleted:   ${list(plan.pods.deleted)}`);
    lines.push(`RW switch: ${plan.rwSwitch ? 'yes' : 'no'}`);
    if (plan.approvals.length) lines.push(`approval:  before ${plan.approvals.join(', ')} (mpdflow approve)`);
    lines.push(plan.estimate ? `estimate:  ${seconds(plan.estimate.durationMs)} in all, RW unavailable ~${seconds(plan.estimate.rwDowntimeMs)} (median of ${plan.estimate.fromRuns} completed runs)` : 'estimate:  - (no completed run of this flow yet)');
  }
  lines.push('nothing was changed');
  return `${lines.join('\n')}\n`;
}
