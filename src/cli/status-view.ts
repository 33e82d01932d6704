import type { FlowProgress, StepProgress } from '../contract/flow-run';
import type { MPDCluster } from '../kube/mpdcluster';
import type { Condition, WorkflowStatus } from '../kube/mpdcluster-schema';

/** The condition the controller sets False when it refuses a cluster's input (src/controller/bad-input.ts). */
export const inputValidCondition = 'InputValid';

export function refusal(cluster: MPDCluster): Condition | undefined {
  const condition = cluster.status?.conditions?.find((c) => c.type === inputValidCondition);
  return condition?.status === 'False' ? condition : undefined;
}

/** The state a person reads: the state machine's, or the refusal when the controller refused the input. */
export function shownState(cluster: MPDCluster): string {
  const state = cluster.status?.clusterStatus;
  const refused = refusal(cluster);
  if (refused) return `${state ? `${state}, ` : ''}refused: ${refused.reason ?? 'InputValid=False'}`;
  return state || '(not seen yet)';
}

/** The run held between steps (a step awaiting approval, a pause), with what lets it go on; undefined when it is not. */
export function runHold(cluster: MPDCluster): string | undefined {
  const wf = cluster.status?.workflow;
  const hold = wf?.hold;
  if (!hold || (wf.phase !== 'AwaitingApproval' && wf.phase !== 'Paused')) return undefined;
  const target = `${cluster.metadata.namespace ?? ''}/${cluster.metadata.name ?? ''}`;
  return hold.kind === 'approval'
    ? `step ${hold.step} awaits approval since ${hold.since} (mpdflow approve|reject ${target})`
    : `paused before step ${hold.step} since ${hold.since}: ${hold.reason} (mpdflow resume ${target})`;
}

/** "3s", "4m", "2h", "5d": as kubectl prints an age. */
export function age(since: Date | string | undefined, now = Date.now()): string {
  const at = since instanceof Date ? since.getTime() : Date.parse(since ?? '');
  if (!Number.isFinite(at)) return '-';
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('   ')).join('\n');
}

/** Step i/n and its name; a completed flow is n/n (its final write names no step). */
export function stepOf(wf: WorkflowStatus): string {
  const index = wf.phase === 'Completed' ? wf.stepTotal : wf.stepIndex;
  return `${index ?? 0}/${wf.stepTotal ?? 0} ${wf.step ?? ''}`.trim();
}

/** `mpdflow status`: one row per cluster. */
export function clustersTable(clusters: MPDCluster[], now = Date.now()): string {
  const rows = [['NAMESPACE', 'NAME', 'STATE', 'FLOW', 'STEP', 'ATTEMPT', 'AGE']];
  const sorted = [...clusters].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const cluster of sorted) {
    const wf = cluster.status?.workflow;
    rows.push([
      cluster.metadata.namespace ?? '',
      cluster.metadata.name ?? '',
      shownState(cluster),
      wf?.flowName ? `${wf.flowName} (${wf.phase ?? '-'})` : '-',
      wf?.stepTotal ? `${stepOf(wf)}${runHold(cluster) ? (wf.hold?.kind === 'approval' ? ' (held: awaiting approval)' : ' (held: paused)') : ''}` : '-',
      wf?.attempt ? String(wf.attempt) : '-',
      age(cluster.metadata.creationTimestamp, now),
    ]);
  }
  return `${clusters.length === 0 ? 'no MPDClusters found\n' : ''}${columns(rows)}\n`;
}

/** A duration as a person reads it: 850 ms, 12.3 s, 4 m 5 s. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

const marks: Record<StepProgress['outcome'], string> = {
  pending: ' ',
  running: '>',
  waiting: '~',
  completed: '+',
  failed: '!',
  skipped: '-',
  cancelled: 'x',
};

/** What a watch knows of one flow run: its progress query's answer, or (no Temporal) the cluster's status.workflow. */
export interface WatchedFlow {
  workflowId: string;
  progress?: FlowProgress;
  /** From status.workflow when the run cannot be asked. */
  flowName: string;
  phase: string;
  index: number;
  total: number;
  step?: string;
  attempt?: number;
  lastError?: string;
}

/** The running step's time so far: now minus its start, for a step still running. */
function stepTime(step: StepProgress, now: number): number | undefined {
  if (step.durationMs !== undefined) return step.durationMs;
  const started = Date.parse(step.startedAt ?? '');
  return step.outcome === 'running' && Number.isFinite(started) ? now - started : undefined;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** The terminal view: a bar per flow, each step with its outcome and duration, the refusal when there is one. */
export function watchScreen(target: string, cluster: MPDCluster | undefined, flows: WatchedFlow[], now = Date.now()): string {
  if (!cluster) return `${target}: not found\n`;
  const lines = [`${target}   state: ${shownState(cluster)}`];
  const refused = refusal(cluster);
  if (refused) lines.push(`  InputValid=False ${refused.reason ?? ''}: ${refused.message ?? ''}`);
  for (const flow of flows) {
    const steps = flow.progress?.steps ?? [];
    const done = steps.length > 0 ? steps.filter((s) => s.outcome === 'completed' || s.outcome === 'skipped').length : flow.phase === 'Completed' ? flow.total : Math.max(0, flow.index - 1);
    lines.push(`${flow.flowName.padEnd(20)} ${bar(done, flow.total)} ${done}/${flow.total} ${flow.phase.toLowerCase()}`);
    for (const step of steps) {
      const extra = step.outcome === 'running' && flow.attempt && flow.step === step.stepName ? `  attempt ${flow.attempt}${flow.lastError ? ` after: ${flow.lastError}` : ''}` : step.error ? `  ${step.error}` : '';
      lines.push(`  ${marks[step.outcome]} ${step.stepName.padEnd(28)} ${step.outcome.padEnd(9)} ${duration(stepTime(step, now)).padStart(9)}${extra}`);
    }
    if (steps.length === 0 && flow.step) lines.push(`  > ${flow.step} (${flow.index}/${flow.total})${flow.attempt ? `  attempt ${flow.attempt}${flow.lastError ? ` after: ${flow.lastError}` : ''}` : ''}`);
    if (flow.progress?.interrupt) lines.push(`  interrupt ${flow.progress.interrupt.reason}: ${flow.progress.interrupt.message}`);
  }
  if (flows.length === 0) lines.push('  no flow has run since the watch began');
  return `${lines.join('\n')}\n`;
}

/**
 * The plain-line mode (not a terminal): a line for each thing that changed since the last look, none when nothing
 * did. `seen` holds what was already printed.
 */
export function watchLines(target: string, cluster: MPDCluster | undefined, flows: WatchedFlow[], seen: Set<string>): string[] {
  const out: string[] = [];
  const emit = (key: string, line: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(line);
  };
  if (!cluster) {
    emit('not-found', `${target}: not found`);
    return out;
  }
  for (const flow of flows) {
    emit(`flow:${flow.workflowId}`, `${target} flow ${flow.flowName} started (${flow.total} steps)`);
    (flow.progress?.steps ?? []).forEach((step, i) => {
      if (step.outcome === 'pending') return;
      const place = `${i + 1}/${flow.total}`;
      if (step.outcome === 'running') emit(`run:${flow.workflowId}:${step.stepName}`, `${target} ${flow.flowName} step ${place} ${step.stepName} running`);
      else emit(`end:${flow.workflowId}:${step.stepName}`, `${target} ${flow.flowName} step ${place} ${step.stepName} ${step.outcome}${step.durationMs !== undefined ? ` in ${duration(step.durationMs)}` : ''}${step.error ? `: ${step.error}` : ''}`);
    });
    if (flow.attempt && flow.step) {
      emit(`attempt:${flow.workflowId}:${flow.step}:${flow.attempt}`, `${target} ${flow.flowName} step ${flow.index}/${flow.total} ${flow.step} attempt ${flow.attempt}${flow.lastError ? ` after: ${flow.lastError}` : ''}`);
    }
    if (flow.phase === 'Completed' || flow.phase === 'Interrupted') {
      const why = flow.progress?.interrupt ? `: ${flow.progress.interrupt.reason}: ${flow.progress.interrupt.message}` : '';
      emit(`done:${flow.workflowId}`, `${target} flow ${flow.flowName} ${flow.phase.toLowerCase()}${why}`);
    }
  }
  // After the steps: a state a flow's end wrote reads after that end.
  emit(`state:${shownState(cluster)}`, `${target} state ${shownState(cluster)}`);
  const refused = refusal(cluster);
  if (refused) emit(`refused:${refused.reason}:${refused.message}`, `${target} InputValid=False ${refused.reason ?? ''}: ${refused.message ?? ''}`);
  return out;
}
