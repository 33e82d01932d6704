import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { CompiledFlow } from '../contract/flow-definition';
import { releaseWorkflowId, transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import { recoveryStartStep } from '../flows/recovery';
import { cancelledAnnotation, interruptAnnotations, interruptNotRecovering, mpdFinalizer } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import { errorText } from '../kube/error-text';
import type { ClusterEvent } from '../kube/cluster-events';
import { completeTransition } from '../kube/cluster-state';
import { mergeReplacing } from '../kube/merge-replace';
import { mpdClusterRef, type MPDCluster } from '../kube/mpdcluster';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import type { HeldStatus, MPDClusterStatus, TransitionStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import { announcedRun } from '../kube/run-status';
import { type CheckOutcome, type StateEvent, type Transition } from '../statemachine/state-machine';
import { States } from '../contract/states';
import { clearBadInput, reportBadInput } from './bad-input';
import { isOpen, type FlowRuns, type RunInfo } from '../temporal/flow-runs';
import { interruptForClosedRun, writeInterrupt } from './interrupt-writer';
import type { ControllerMetrics } from './metrics';
import { takeOverMemento } from './memento-migration';
import { migratedEvent } from './memento-plan';
import type { MementoStore } from '../kube/memento-configmap';
import { NotLeaderError } from './not-leader';
import { requesterOf } from '../kube/requester';
import type { LoadedOperator } from '../operator-api/operator';
import type { DisruptionBudget } from './disruption-budget';
import { admitDisruption, windowOf } from './disruption-gate';
import { heldEvent, heldFields, writeHeld } from './held-status';

export interface ReconcilerDeps {
  clusters: MpdClusterClient;
  /** The state machine, spec check, flows and release flow of the operator this controller runs. */
  operator: LoadedOperator;
  runs: FlowRuns;
  /** Only clusters with this spec.operatorName (the seed's --filter-operator-name); all when undefined. */
  operatorName?: string;
  recordEvent(resource: ResourceRef, event: ClusterEvent): Promise<void>;
  /** Puts a key back on the queue (used when a watched run closes). */
  enqueue(key: string): void;
  /**
   * The cluster as the watch last delivered it, read instead of a GET: every write a reconcile makes is conditional
   * on the resourceVersion it read (or on exact values), so a stale copy costs a 409 and a fresh read, never a wrong write.
   */
  cached?(namespace: string, name: string): MPDCluster | undefined;
  /** Throws NotLeaderError once this controller may no longer act: called right before every write and start. */
  fence(): void;
  metrics: ControllerMetrics;
  log: Logger;
  /** At most K disruptive transitions at once across the clusters this controller manages; none: no limit. */
  budget?: DisruptionBudget;
  /** The Go engine's memento ConfigMaps, taken over on first sight of a cluster; none read when undefined. */
  mementos?: MementoStore;
  /** The Temporal Web UI's page of a run (status.workflow.webUiUrl); none without a Web UI. */
  runLink?(workflowId: string): string | undefined;
  /** Fault injection for tests: called between the status patch and the flow start. */
  afterStatusPatch?: () => void;
}

export type ReconcileResult = { requeueAfterMs?: number } | void;

/** How soon a cluster whose memento cannot be read looks at it again (a person may have fixed it). */
const mementoRecheckMs = 30_000;

/** A transition from Interrupt (Rebuild) that keeps failing waits longer each time: 0, 2 s, 4 s, … 5 min. */
export function interruptBackoffMs(streak: number): number {
  return streak <= 1 ? 0 : Math.min(2_000 * 2 ** (streak - 2), 300_000);
}

const interruptKeys = Object.values(interruptAnnotations);

/** One reconcile of one MPDCluster: the seed's DoStateMainEnter and CheckRecovery, on Temporal. */
export class Reconciler {
  private readonly watchedRuns = new Map<string, string>();
  /** The last run seen to close, by cluster key: the next transition's start need not ask Temporal about it again. */
  private readonly closedRuns = new Map<string, string>();
  /** Runs seen closing (their outcome on the cluster) whose close is waited for directly. */
  private readonly hurried = new Set<string>();
  /** Keys whose last write hit a conflict: their next reconcile reads the API server, not the watch's copy. */
  private readonly readFresh = new Set<string>();
  /** Clusters whose Go engine memento this process has read (taken over, or found absent or marked). */
  private readonly mementosRead = new Set<string>();
  /** Aborts the long polls of watched runs when the controller stops. */
  private readonly closing = new AbortController();
  /** The transition id this controller last wrote, by cluster: a budget reservation is released only when its write did not happen. */
  private readonly writtenTransition = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {
    // One listener per run being watched (each removed when its wait ends): as many as clusters with a running flow.
    setMaxListeners(0, this.closing.signal);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const resource = mpdClusterRef(namespace, name);
    const log = this.deps.log.child({ cluster: key });
    try {
      let cluster = this.readFresh.delete(key) ? undefined : this.deps.cached?.(namespace, name);
      if (!cluster) {
        try {
          cluster = await this.deps.clusters.get({ namespace, name });
        } catch (error) {
          if (apiStatus(error) !== 404) throw error;
          this.wakeBudgetQueue(key, undefined);
          // The cluster is gone: its running flow has nothing left to act on.
          await this.cancelWatchedRun(key, 'cluster deleted', log);
          return;
        }
      }
      this.wakeBudgetQueue(key, cluster);
      this.hurryClosing(key, cluster);
      if (this.deps.operatorName && cluster.spec.operatorName !== this.deps.operatorName) return;
      return await this.reconcileCluster(cluster, resource, log);
    } catch (error) {
      if (error instanceof NotLeaderError) {
        log.info('not the leader any more; leaving the cluster to the new one');
        return;
      }
      if (apiStatus(error) === 409) {
        log.debug('conflicting write; reconciling again from a fresh read');
        this.readFresh.add(key);
        return { requeueAfterMs: 0 };
      }
      throw error;
    }
  }

  private async reconcileCluster(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const sm = this.deps.operator.stateMachine;
    const annotations = cluster.metadata.annotations ?? {};
    if (cluster.metadata.deletionTimestamp) return this.reconcileDeletion(cluster, resource, log);

    const state = sm.normalize(cluster.status?.clusterStatus);
    if (!sm.isRegistered(state)) {
      return this.badInput(cluster, resource, 'UnknownState', `status.clusterStatus "${state}" is not a state of this operator; known: ${sm.states().join(', ')}`);
    }
    const problem = this.deps.operator.validate?.(cluster);
    if (problem) return this.badInput(cluster, resource, 'InvalidSpec', problem);
    await clearBadInput(this.deps, cluster, resource, ['UnknownState', 'InvalidSpec']);
    const key = `${resource.namespace}/${resource.name}`;
    const recorded = cluster.status?.transition;
    if (this.deps.mementos && !this.mementosRead.has(key) && (!recorded || recorded.event === migratedEvent)) {
      // The Go engine's memento, read once per cluster and process until taken over (a cluster mpdflow already ran
      // transitions of has nothing to take over: no read, so a restart at scale costs no GET per such cluster).
      const took = await this.takeOverMemento(this.deps.mementos, cluster, resource);
      if (took === 'blocked') return { requeueAfterMs: mementoRecheckMs };
      this.mementosRead.add(key);
      if (took === 'wrote') {
        this.readFresh.add(key);
        return { requeueAfterMs: 0 };
      }
    }

    if (sm.isStable(state)) {
      if (annotations[cancelledAnnotation] === 'true') return this.consumeCancel(resource, 'no flow is running', log);
      if (state === States.interrupt && this.recoveryRequested(annotations)) return this.recover(cluster, resource, log);
      return this.checkTransitions(cluster, resource, state, log);
    }

    const transition = cluster.status?.transition;
    if (!transition || transition.to !== state) return this.enterUnrecordedState(cluster, resource, state, log);
    const run = await this.runOf(resource, transition.workflowId);
    if (!run && interruptKeys.some((key) => annotations[key] !== undefined)) {
      // Recovery's second half (or a transition from Interrupt): the interrupt is history before the run starts.
      this.fence();
      const cleared = Object.fromEntries([...interruptKeys, cancelledAnnotation].map((k) => [k, null]));
      await this.deps.clusters.patch(resource, { metadata: { annotations: cleared } }, cluster.metadata.resourceVersion);
      return;
    }
    if (annotations[cancelledAnnotation] === 'true') return this.cancelTransition(cluster, resource, transition, run, log);
    return this.ensureRun(cluster, resource, transition, run, log);
  }

  /** A slot of the disruption budget freed (this cluster left a disruptive transition): the queue looks again. */
  private wakeBudgetQueue(key: string, cluster: MPDCluster | undefined): void {
    for (const queued of this.deps.budget?.observe(key, cluster) ?? []) this.deps.enqueue(queued);
  }

  /**
   * The checkers in order; a disruptive transition outside its maintenance window or over the budget is held (recorded
   * in `status.held`) and the checkers after it speak, so a non-disruptive request is never held behind it.
   */
  private async checkAdmitted(cluster: MPDCluster, state: string): Promise<{ outcome: CheckOutcome<MPDCluster>; held?: HeldStatus; reserved: boolean; lookAgainMs?: number }> {
    const sm = this.deps.operator.stateMachine;
    const passed = new Set<Transition<MPDCluster>>();
    const nextId = (cluster.status?.transition?.id ?? 0) + 1;
    let first: { held: HeldStatus; lookAgainMs?: number } | undefined;
    for (;;) {
      const outcome = await sm.check(state, cluster, (t) => passed.has(t));
      if (outcome.kind !== 'fire' || !sm.isDisruptive(state, outcome.transition.to)) return { outcome, reserved: false, ...first };
      const admission = admitDisruption(cluster, outcome.transition.to, outcome.event.name, nextId, this.deps.budget, new Date());
      if (admission.admitted) return { outcome, reserved: admission.reserved, ...first };
      first ??= admission;
      passed.add(outcome.transition);
    }
  }

  /** A malformed maintenance window is bad input (condition + one Event); true when this reconcile wrote it (the write wakes the next). */
  private async reportWindow(cluster: MPDCluster, resource: ResourceRef): Promise<boolean> {
    try {
      windowOf(cluster);
    } catch (error) {
      this.fence();
      return reportBadInput(this.deps, cluster, resource, 'InvalidMaintenanceWindow', errorText(error));
    }
    await clearBadInput(this.deps, cluster, resource, ['InvalidMaintenanceWindow']);
    return false;
  }

  private takeOverMemento(mementos: MementoStore, cluster: MPDCluster, resource: ResourceRef) {
    return takeOverMemento({ ...this.deps, mementos, writeTransition: (...args) => this.writeTransition(...args), fence: () => this.fence() }, cluster, resource);
  }

  /**
   * `mpdflow migrate`: only the take-over of the cluster's memento and the start of the run it recorded, through the
   * same writes as a reconcile (no checker runs). Returns what the take-over did.
   */
  async migrate(ref: { namespace: string; name: string }): Promise<'wrote' | 'blocked' | 'none'> {
    if (!this.deps.mementos) throw new Error('this reconciler reads no mementos');
    const resource = mpdClusterRef(ref.namespace, ref.name);
    const took = await this.takeOverMemento(this.deps.mementos, await this.deps.clusters.get(ref), resource);
    if (took !== 'wrote') return took;
    const cluster = await this.deps.clusters.get(ref);
    const transition = cluster.status?.transition;
    if (transition && this.deps.operator.stateMachine.normalize(cluster.status?.clusterStatus) === transition.to) {
      await this.ensureRun(cluster, resource, transition, undefined, this.deps.log.child({ cluster: `${ref.namespace}/${ref.name}` }));
    }
    return took;
  }

  /** A stable state: the checkers run; a fired transition is recorded with the state, then its run starts. */
  private async checkTransitions(cluster: MPDCluster, resource: ResourceRef, state: string, log: Logger): Promise<ReconcileResult> {
    if (await this.reportWindow(cluster, resource)) return;
    const { outcome, held, reserved, lookAgainMs } = await this.checkAdmitted(cluster, state);
    try {
      return await this.fireChecked(cluster, resource, state, outcome, held, lookAgainMs, log);
    } finally {
      // A slot is kept only by a transition written; the budget forgets the reservation once the watch shows it.
      const nextId = (cluster.status?.transition?.id ?? 0) + 1;
      if (reserved && this.writtenTransition.get(`${resource.namespace}/${resource.name}`) !== nextId) this.deps.budget?.release(cluster);
    }
  }

  private async fireChecked(
    cluster: MPDCluster,
    resource: ResourceRef,
    state: string,
    outcome: CheckOutcome<MPDCluster>,
    held: HeldStatus | undefined,
    lookAgainMs: number | undefined,
    log: Logger,
  ): Promise<ReconcileResult> {
    if (outcome.kind === 'ignored') {
      log.info({ event: outcome.event.name }, 'ignored event');
      return;
    }
    if (outcome.kind === 'error') {
      await this.badInput(cluster, resource, 'CheckerFailed', `transition check failed: ${errorText(outcome.error)}`);
      throw outcome.error;
    }
    await clearBadInput(this.deps, cluster, resource, ['CheckerFailed']);
    if (outcome.kind === 'none') {
      this.fence();
      if (await writeHeld(this.deps, cluster, resource, held)) log.info({ held: held?.to, reason: held?.reason, nextWindowStart: held?.nextWindowStart }, held ? `${held.to} held: ${held.message}` : 'no transition held any more');
      return held && lookAgainMs !== undefined ? { requeueAfterMs: lookAgainMs } : undefined;
    }
    const previous = cluster.status?.transition;
    const streak = state === States.interrupt ? (previous?.interruptStreak ?? 0) + 1 : 0;
    const waitMs = state === States.interrupt ? this.backoffLeft(cluster, streak) : 0;
    if (waitMs > 0) {
      log.info({ to: outcome.transition.to, streak, waitMs }, 'transition from Interrupt backs off');
      return { requeueAfterMs: waitMs };
    }
    const record = this.newTransition(cluster, resource, state, outcome.transition.to, outcome.transition.flowName, outcome.event, streak);
    // A held request stays on the status while a non-disruptive transition runs; one that now starts is released.
    const heldStatus = held || cluster.status?.held ? heldFields(cluster, held, held ? undefined : record.to) : {};
    const { patched, fencedAt } = await this.writeTransition(cluster, resource, { clusterStatus: record.to, ...heldStatus }, record);
    this.writtenTransition.set(`${resource.namespace}/${resource.name}`, record.id);
    const heldNow = heldEvent(cluster.status?.held, held);
    if (heldNow) await this.deps.recordEvent(resource, heldNow);
    log.info({ from: state, to: record.to, event: outcome.event.name, transition: record.id, fencedAt }, `set cluster status from ${state} to ${record.to}`);
    this.deps.afterStatusPatch?.();
    // From here a failure (Temporal down, say) is retried by the unstable state's reconcile: the transition is kept.
    // Its id is new, so no run of it can exist yet: straight to the start, which refuses a duplicate anyway.
    return this.ensureRun(patched, resource, record, 'new', log);
  }

  /** An unstable state with no transition recorded for it (set by hand, or by an older mpdflow): the seed's entry check. */
  private async enterUnrecordedState(cluster: MPDCluster, resource: ResourceRef, state: string, log: Logger): Promise<ReconcileResult> {
    const entry = this.deps.operator.stateMachine.entryOf(state)!;
    const event = await entry.checker(cluster);
    if (!event) {
      this.fence();
      // The seed's "check event is nil, so set status to running": nothing to do in this state.
      await this.deps.clusters.patchStatus(resource, { clusterStatus: States.running }, cluster.metadata.resourceVersion);
      this.deps.metrics.transitions.inc({ from: state, to: States.running });
      return;
    }
    const from = cluster.status?.transition?.to ?? '';
    const record = this.newTransition(cluster, resource, from, state, entry.flowName, event, 0);
    // A new cluster's "" becomes the state it is in (Creating) in the same write: kubectl shows it, and the flow's
    // progress, conditional on the state, lands.
    const stateWritten = (cluster.status?.clusterStatus ?? '') === state ? {} : { clusterStatus: state };
    const { patched, fencedAt } = await this.writeTransition(cluster, resource, stateWritten, record);
    log.info({ state, transition: record.id, fencedAt }, 'recorded the transition of a state entered without one');
    return this.ensureRun(patched, resource, record, undefined, log);
  }

  private newTransition(cluster: MPDCluster, resource: ResourceRef, from: string, to: string, flowName: string, event: StateEvent, streak: number): TransitionStatus {
    const previous = cluster.status?.transition;
    const id = (previous?.id ?? 0) + 1;
    return {
      id,
      from,
      to,
      flowName,
      event: event.name,
      params: event.params ?? {},
      ...(event.trigger ? { trigger: event.trigger } : {}),
      resumes: 0,
      resumeFrom: '',
      workflowId: transitionWorkflowId(resource, cluster.metadata.uid ?? '', id),
      ...(previous?.workflowId ? { previousWorkflowId: previous.workflowId } : {}),
      // The transition's write replaces status.workflow with its own run: what it said of the run before is kept here.
      ...(previous?.workflowId && cluster.status?.workflow?.workflowId === previous.workflowId && cluster.status.workflow.phase
        ? { previousRunPhase: cluster.status.workflow.phase }
        : {}),
      interruptStreak: streak,
      requestedBy: requesterOf(cluster.metadata),
      writtenAt: new Date().toISOString(),
    };
  }

  /**
   * The one write that records a transition: conditional on the object read (409 when another write came first).
   * Unless the caller writes status.workflow itself, it also shows the run's first step (announcedRun): that step's
   * own progress write is saved (a write per operation, README "Kubernetes writes per flow").
   */
  private async writeTransition(cluster: MPDCluster, resource: ResourceRef, status: Partial<MPDClusterStatus>, record: TransitionStatus): Promise<{ patched: MPDCluster; fencedAt: number }> {
    const fencedAt = this.fence();
    const transition = mergeReplacing(cluster.status?.transition, record) as TransitionStatus;
    const flow = this.deps.operator.flows.get(record.flowName);
    const announced = 'workflow' in status || !flow ? undefined : announcedRun(flow, record, this.deps.runLink?.(record.workflowId));
    const workflow = announced ? { workflow: mergeReplacing(cluster.status?.workflow, announced) as WorkflowStatus } : {};
    const patched = await this.deps.clusters.patchStatus(resource, { ...status, ...workflow, transition }, cluster.metadata.resourceVersion);
    this.deps.metrics.transitions.inc({ from: record.from, to: record.to });
    return { patched, fencedAt };
  }

  /** A stable state written with no transition to record (recovery to a stable state). */
  private async writeState(cluster: MPDCluster, resource: ResourceRef, state: string): Promise<{ patched: MPDCluster; fencedAt: number }> {
    const fencedAt = this.fence();
    return { patched: await this.deps.clusters.patchStatus(resource, { clusterStatus: state }, cluster.metadata.resourceVersion), fencedAt };
  }

  /** Throws unless this controller may act now; returns when it checked, logged with the action so a soak can verify the fence. */
  private fence(): number {
    this.deps.fence();
    return Date.now();
  }

  /** How long a transition from Interrupt still waits: measured from the interrupt, so a restart keeps the backoff. */
  private backoffLeft(cluster: MPDCluster, streak: number): number {
    const delay = interruptBackoffMs(streak);
    if (delay === 0) return 0;
    const interruptedAt = Date.parse(cluster.status?.workflow?.updatedAt ?? '') || Date.now();
    return Math.max(0, interruptedAt + delay - Date.now());
  }

  /** Makes the recorded transition's run exist, or acts on how it ended. */
  private async ensureRun(cluster: MPDCluster, resource: ResourceRef, transition: TransitionStatus, known: RunInfo | 'new' | undefined, log: Logger): Promise<ReconcileResult> {
    const flow = this.deps.operator.flows.get(transition.flowName);
    if (!flow) {
      return this.badInput(cluster, resource, 'UnknownFlow', `state ${transition.to} runs flow ${transition.flowName}, which no flow file defines`);
    }
    const run = known === 'new' ? undefined : (known ?? (await this.runOf(resource, transition.workflowId)));
    if (!run) return this.startRun(cluster, resource, transition, flow, log);
    if (isOpen(run)) {
      // Just described open (runOf, or the caller's runOf): a wait that starts with a describe would repeat it.
      this.watchRun(resource, run.workflowId, true);
      return;
    }
    const fencedAt = this.fence();
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
    const key = `${resource.namespace}/${resource.name}`;
    if (transition.previousWorkflowId && this.closedRuns.get(key) !== transition.previousWorkflowId) {
      // The seed's rule: an unfinished run of the transition before finishes first; ignoreUnCompleted replaces it.
      log.debug({ previous: transition.previousWorkflowId }, 'is the run of the transition before still open?');
      const previous = await this.deps.runs.describe(transition.previousWorkflowId);
      if (isOpen(previous)) {
        // A run that already wrote its outcome (Completed or Interrupted) is only closing: it is waited for, never cut.
        const workflow = cluster.status?.workflow;
        const phase = transition.previousRunPhase || (workflow?.workflowId === previous.workflowId ? workflow.phase : undefined);
        const closing = phase === 'Completed' || phase === 'Interrupted';
        if (closing || !this.deps.operator.stateMachine.entryOf(transition.to)?.options.ignoreUnCompleted) {
          this.watchRun(resource, previous.workflowId, true);
          return;
        }
        const fencedAt = this.fence();
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
    const fencedAt = this.fence();
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
    this.watchRun(resource, transition.workflowId, started);
  }

  /** `cancelled: "true"` on a cluster in a transition: a request for that transition's run, consumed once acted on. */
  private async cancelTransition(cluster: MPDCluster, resource: ResourceRef, transition: TransitionStatus, run: RunInfo | undefined, log: Logger): Promise<ReconcileResult> {
    const fencedAt = this.fence();
    if (isOpen(run)) {
      await this.deps.runs.signalCancel(run.workflowId, 'annotation cancelled=true');
      log.info({ workflowId: run.workflowId, fencedAt }, 'cancel signalled to the running flow');
    } else if (!run) {
      // Cancelled before its run started: it never will, and a recovery resumes where it would have started.
      const interrupt = { reason: 'CANCELLED', message: 'flow cancelled before it started: annotation cancelled=true', step: transition.resumeFrom ?? '' };
      await writeInterrupt(this.deps.clusters, cluster, resource, transition, interrupt);
      this.deps.metrics.transitions.inc({ from: transition.to, to: States.interrupt });
    }
    return this.consumeCancel(resource, isOpen(run) || !run ? undefined : 'the flow had already ended', log);
  }

  /** Removes the cancel request (unless it was written again meanwhile): it never reaches a later transition's run. */
  private async consumeCancel(resource: ResourceRef, ignoredBecause: string | undefined, log: Logger): Promise<ReconcileResult> {
    const fencedAt = this.fence();
    const removed = await this.deps.clusters.removeAnnotationsIfUnchanged(resource, { [cancelledAnnotation]: 'true' });
    if (removed.length > 0 && ignoredBecause) {
      log.info({ fencedAt }, `cancel request ignored: ${ignoredBecause}`);
      await this.deps.recordEvent(resource, { type: 'Normal', reason: 'CancelIgnored', message: `cancelled=true removed: ${ignoredBecause}` });
    }
  }

  /**
   * The run of this workflow id: open without asking Temporal while this controller waits for it to close (every
   * progress write of a running flow reconciles its cluster; none of those needs a call to Temporal), else described.
   */
  private async runOf(resource: ResourceRef, workflowId: string): Promise<RunInfo | undefined> {
    if (this.watchedRuns.get(`${resource.namespace}/${resource.name}`) === workflowId) return { workflowId, workflowType: '', status: 'RUNNING', runId: '' };
    return this.deps.runs.describe(workflowId);
  }

  /**
   * A watched run whose outcome is on the cluster (its completion or interrupt) is only closing: its close is waited
   * for directly, a long poll that returns within milliseconds, rather than at the next visibility look, so the next
   * transition's start finds it closed without asking Temporal (measured: a describe more per trigger otherwise).
   */
  private hurryClosing(key: string, cluster: MPDCluster): void {
    const workflowId = this.watchedRuns.get(key);
    const workflow = cluster.status?.workflow;
    if (!workflowId || workflow?.workflowId !== workflowId || (workflow.phase !== 'Completed' && workflow.phase !== 'Interrupted')) return;
    if (this.hurried.has(workflowId)) return;
    this.hurried.add(workflowId);
    void this.deps.runs.awaitClose(workflowId, this.closing.signal, true, true).then((closed) => {
      this.hurried.delete(workflowId);
      if (closed) this.runClosed(key, workflowId);
    });
  }

  private runClosed(key: string, workflowId: string): void {
    if (this.watchedRuns.get(key) === workflowId) this.watchedRuns.delete(key);
    this.closedRuns.set(key, workflowId);
    if (!this.closing.signal.aborted) this.deps.enqueue(key);
  }

  /** When a run closes, look at the cluster again: the next transition may be due. */
  private watchRun(resource: ResourceRef, workflowId: string, seenOpen: boolean): void {
    const key = `${resource.namespace}/${resource.name}`;
    if (this.watchedRuns.get(key) === workflowId) return;
    this.watchedRuns.set(key, workflowId);
    void this.deps.runs.awaitClose(workflowId, this.closing.signal, seenOpen).then((closed) => {
      // Already seen closing by hurryClosing: nothing left to do.
      if (this.watchedRuns.get(key) !== workflowId && this.closedRuns.get(key) === workflowId) return;
      if (closed) return this.runClosed(key, workflowId);
      if (this.watchedRuns.get(key) === workflowId) this.watchedRuns.delete(key);
      if (!this.closing.signal.aborted) this.deps.enqueue(key);
    });
  }

  private async cancelWatchedRun(key: string, reason: string, log: Logger): Promise<void> {
    const workflowId = this.watchedRuns.get(key);
    if (!workflowId || !isOpen(await this.deps.runs.describe(workflowId))) return;
    const fencedAt = this.fence();
    await this.deps.runs.signalCancel(workflowId, reason);
    log.info({ reason, workflowId, fencedAt }, 'cancel signalled to the running flow');
  }

  /** Stops watching runs; call before closing the Temporal connection. */
  close(): void {
    this.closing.abort();
  }

  private recoveryRequested(annotations: Record<string, string>): boolean {
    const value = annotations[interruptAnnotations.recover];
    return value !== undefined && value !== interruptNotRecovering && Boolean(annotations[interruptAnnotations.previousStatus]);
  }

  /**
   * The seed's CheckRecovery: back to the previous state, and the same transition runs again under a new id
   * (`-r<k>`), from its failed step (or the first). The interrupt annotations go in the next write; until then the
   * unstable state's reconcile clears them before anything starts, so no cancel survives into the resumed run.
   */
  private async recover(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const annotations = cluster.metadata.annotations ?? {};
    const previous = annotations[interruptAnnotations.previousStatus]!;
    const fromFirst = annotations[interruptAnnotations.recover] === 'from-first';
    const sm = this.deps.operator.stateMachine;
    const current = cluster.status?.transition;
    let record: TransitionStatus | undefined;
    if (!sm.isStable(previous)) {
      const startStep = (flowName: string) => {
        const flow = this.deps.operator.flows.get(flowName);
        // Rebuild starts its flow anew, as in the seed.
        return previous !== States.rebuild && flow && !fromFirst ? (recoveryStartStep(flow, cluster.status?.workflow?.failedStep) ?? '') : '';
      };
      if (current && current.to === previous) {
        const resumes = (current.resumes ?? 0) + 1;
        const workflowId = transitionWorkflowId(resource, cluster.metadata.uid ?? '', current.id, resumes);
        record = { ...current, resumes, resumeFrom: startStep(current.flowName), workflowId, writtenAt: new Date().toISOString() };
      } else {
        // Interrupted before its transition was recorded (an older mpdflow, or by hand): the state's flow as its entry says.
        const entry = sm.entryOf(previous);
        const event = entry ? await entry.checker(cluster) : undefined;
        if (entry) record = { ...this.newTransition(cluster, resource, States.interrupt, previous, entry.flowName, event ?? { name: 'Recover' }, 0), resumeFrom: startStep(entry.flowName) };
      }
    }
    const { patched, fencedAt } = record
      ? await this.writeTransition(cluster, resource, { clusterStatus: previous }, record)
      : await this.writeState(cluster, resource, previous);
    const resumeFrom = record?.resumeFrom ?? '';
    log.info({ to: previous, resumeFrom, workflowId: record?.workflowId, fencedAt }, `recover interrupted flow, update resource status to ${previous}`);
    const cleared = Object.fromEntries([...interruptKeys, cancelledAnnotation].map((k) => [k, null]));
    await this.deps.clusters.patch(resource, { metadata: { annotations: cleared } }, patched.metadata.resourceVersion).catch((error: unknown) => {
      if (apiStatus(error) !== 409) throw error; // the next reconcile clears them before the run starts
    });
    await this.deps.recordEvent(resource, { type: 'Normal', reason: 'Recovering', message: `back to ${previous}${resumeFrom ? `, resuming at ${resumeFrom}` : ''}` });
  }

  /** Deletion: cancel the running flow, run the release flow once, then let the object go. */
  private async reconcileDeletion(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const current = cluster.status?.transition;
    const run = current ? await this.deps.runs.describe(current.workflowId) : undefined;
    if (isOpen(run)) {
      const fencedAt = this.fence();
      await this.deps.runs.signalCancel(run.workflowId, 'cluster is being deleted');
      log.info({ workflowId: run.workflowId, fencedAt }, 'cancel signalled to the running flow: the cluster is being deleted');
      this.watchRun(resource, run.workflowId, true);
      return;
    }
    const finalizers = cluster.metadata.finalizers ?? [];
    if (!finalizers.includes(mpdFinalizer)) return;
    const releaseFlow = this.deps.operator.releaseFlow ? this.deps.operator.flows.get(this.deps.operator.releaseFlow) : undefined;
    if (releaseFlow) {
      const workflowId = releaseWorkflowId(resource, cluster.metadata.uid ?? '');
      const release = await this.deps.runs.describe(workflowId);
      if (isOpen(release)) {
        this.watchRun(resource, workflowId, true);
        return;
      }
      if (release?.status !== 'COMPLETED') {
        this.fence();
        const { started } = await this.deps.runs.startOnce({ flow: releaseFlow, resource, state: States.deleting, workflowId, idReuse: 'after-failure' });
        this.watchRun(resource, workflowId, started);
        return;
      }
    }
    const fencedAt = this.fence();
    await this.deps.clusters.patch(resource, { metadata: { finalizers: finalizers.filter((f) => f !== mpdFinalizer) } }, cluster.metadata.resourceVersion);
    log.info({ fencedAt }, 'released; finalizer removed');
  }

  private async badInput(cluster: MPDCluster, resource: ResourceRef, reason: string, message: string): Promise<ReconcileResult> {
    this.fence();
    if (await reportBadInput(this.deps, cluster, resource, reason, message)) {
      this.deps.log.warn({ cluster: `${resource.namespace}/${resource.name}`, reason }, message);
    }
  }
}
