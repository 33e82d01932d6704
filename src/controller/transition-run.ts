/** The run of a recorded transition: started once under the transition's workflow id, watched while open, acted on once closed. */
import type { Logger } from 'pino';
import type { CompiledFlow } from '../contract/flow-definition';
import { transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { completeTransition } from '../kube/cluster-state';
import type { MPDCluster } from '../kube/mpdcluster';
import type { TransitionStatus } from '../kube/mpdcluster-schema';
import { isOpen, type RunInfo } from '../temporal/flow-runs';
import { clearBadInput } from './bad-input';
import { interruptForClosedRun, writeInterrupt } from './interrupt-writer';
import { clusterKey, fenced, refuseInput, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import type { RunWatch } from './run-watch';

export class TransitionRuns {
  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly watch: RunWatch,
  ) {}

  /** Makes the recorded transition's run exist, or acts on how it ended ('new': just recorded, so no run can exist yet). */
  async ensureRun(cluster: MPDCluster, resource: ResourceRef, transition: TransitionStatus, known: RunInfo | 'new' | undefined, log: Logger): Promise<ReconcileResult> {
    const flow = this.deps.operator.flows.get(transition.flowName);
    if (!flow) {
      return refuseInput(this.deps, cluster, resource, 'UnknownFlow', `state ${transition.to} runs flow ${transition.flowName}, which no flow file defines`);
    }
    const run = known === 'new' ? undefined : (known ?? (await this.watch.runOf(resource, transition.workflowId)));
    if (!run) return this.startRun(cluster, resource, transition, flow, log);
    if (isOpen(run)) {
      // Just described open (runOf, or the caller's runOf): a wait that starts with a describe would repeat it.
      this.watch.watch(resource, run.workflowId, true);
      return;
    }
    const fencedAt = fenced(this.deps);
    if (run.status === 'COMPLETED') {
      // The flow is done but its completion's write was lost (a run of an older mpdflow): the same writer, late.
      if (await completeTransition(this.deps.clusters, resource, transition.workflowId, undefined, this.deps.operator.stableStatus?.(cluster))) this.deps.metrics.transitions.inc({ from: transition.to, to: States.running });
      return;
    }
    // Closed without its interrupt bookkeeping (terminated, timed out, cancelled before it could): never a silent restart.
    const step = cluster.status?.workflow?.workflowId === transition.workflowId ? (cluster.status.workflow.step ?? '') : transition.resumeFrom ?? '';
    const interrupt = interruptForClosedRun(run.status, run.runId, transition.flowName, step);
    await writeInterrupt(this.deps.clusters, cluster, resource, transition, interrupt);
    this.deps.metrics.transitions.inc({ from: transition.to, to: States.interrupt });
    log.warn({ status: run.status, reason: interrupt.reason, fencedAt }, 'the run closed without recording an interrupt; recorded it');
    await this.deps.recordEvent(resource, { type: 'Warning', reason: interrupt.reason, message: interrupt.message });
  }

  private async startRun(cluster: MPDCluster, resource: ResourceRef, transition: TransitionStatus, flow: CompiledFlow, log: Logger): Promise<ReconcileResult> {
    if (transition.previousWorkflowId && this.watch.lastClosed(clusterKey(resource)) !== transition.previousWorkflowId) {
      // The seed's rule: an unfinished run of the transition before finishes first; ignoreUnCompleted replaces it.
      log.debug({ previous: transition.previousWorkflowId }, 'is the run of the transition before still open?');
      const previous = await this.deps.runs.describe(transition.previousWorkflowId);
      if (isOpen(previous)) {
        // A run that already wrote its outcome (Completed or Interrupted) is only closing: it is waited for, never cut.
        const workflow = cluster.status?.workflow;
        const phase = transition.previousRunPhase || (workflow?.workflowId === previous.workflowId ? workflow.phase : undefined);
        const closing = phase === 'Completed' || phase === 'Interrupted';
        if (closing || !this.deps.operator.stateMachine.entryOf(transition.to)?.options.ignoreUnCompleted) {
          this.watch.watch(resource, previous.workflowId, true);
          return;
        }
        const fencedAt = fenced(this.deps);
        log.info({ superseded: previous.workflowType, flow: flow.flowName, fencedAt }, 'terminating an unfinished flow that this state replaces');
        await this.deps.runs.terminate(previous.workflowId, `superseded by ${flow.flowName}`);
      }
    }
    const resumes = transition.resumes ?? 0;
    const fromInterrupted =
      resumes > 0 && transition.resumeFrom
        ? await this.deps.runs.interruptOutputs(transitionWorkflowId(resource, cluster.metadata.uid ?? '', transition.id, resumes - 1))
        : undefined;
    // A migrated transition carries the Go engine's last step output; an interrupted run's own outputs are newer.
    const carriedOutputs = transition.carriedOutputs || fromInterrupted ? { ...transition.carriedOutputs, ...fromInterrupted } : undefined;
    const fencedAt = fenced(this.deps);
    const { started } = await this.deps.runs.startOnce({
      flow,
      resource,
      params: transition.params ?? {},
      state: transition.to,
      workflowId: transition.workflowId,
      ...(transition.resumeFrom ? { resumeFrom: transition.resumeFrom } : {}),
      ...(carriedOutputs ? { carriedOutputs } : {}),
      // The cluster shows this run's first step already (the transition's write): the step writes no progress of its own.
      ...(cluster.status?.workflow?.workflowId === transition.workflowId ? { announced: true } : {}),
      ...(transition.requestedBy ? { requestedBy: transition.requestedBy } : {}),
    });
    if (started) this.deps.metrics.workflowsStarted.inc({ flow: flow.flowName });
    await clearBadInput(this.deps, cluster, resource, ['UnknownFlow']);
    log.info({ flow: flow.flowName, workflowId: transition.workflowId, resumeFrom: transition.resumeFrom || undefined, started, fencedAt }, started ? 'flow started' : 'flow already started');
    this.watch.watch(resource, transition.workflowId, started);
  }
}
