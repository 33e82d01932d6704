/**
 * Transitions: in a stable state the checkers run (through admission) and a fired transition is written first, with
 * its record, then its run starts; an unstable state entered without a record gets one (the seed's entry check).
 */
import type { Logger } from 'pino';
import type { ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { errorText } from '../kube/error-text';
import type { MPDCluster } from '../kube/mpdcluster';
import type { HeldStatus } from '../kube/mpdcluster-schema';
import type { CheckOutcome } from '../statemachine/state-machine';
import type { Admission } from './admission';
import { clearBadInput } from './bad-input';
import { heldEvent, heldFields, writeHeld } from './held-status';
import { backoffLeft } from './interrupt-backoff';
import { fenced, refuseInput, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import { newTransition, writeTransition } from './transition-record';
import type { TransitionRuns } from './transition-run';

export class Transitions {
  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly admission: Admission,
    private readonly runs: TransitionRuns,
  ) {}

  /** A stable state: the checkers run; a fired transition is recorded with the state, then its run starts. */
  async checkTransitions(cluster: MPDCluster, resource: ResourceRef, state: string, log: Logger): Promise<ReconcileResult> {
    if (await this.admission.reportWindow(cluster, resource)) return;
    const { outcome, held, reserved, lookAgainMs } = await this.admission.check(cluster, state);
    try {
      return await this.fireChecked(cluster, resource, state, outcome, held, lookAgainMs, log);
    } finally {
      this.admission.settle(cluster, resource, reserved);
    }
  }

  /** An unstable state with no transition recorded for it (set by hand, or by an older mpdflow): the seed's entry check. */
  async enterUnrecordedState(cluster: MPDCluster, resource: ResourceRef, state: string, log: Logger): Promise<ReconcileResult> {
    const entry = this.deps.operator.stateMachine.entryOf(state)!;
    const event = await entry.checker(cluster);
    if (!event) {
      fenced(this.deps);
      // The seed's "check event is nil, so set status to running": nothing to do in this state.
      await this.deps.clusters.patchStatus(resource, { clusterStatus: States.running }, cluster.metadata.resourceVersion);
      this.deps.metrics.transitions.inc({ from: state, to: States.running });
      return;
    }
    const from = cluster.status?.transition?.to ?? '';
    const record = newTransition(cluster, resource, from, state, entry.flowName, event, 0);
    // A new cluster's "" becomes the state it is in (Creating) in the same write: kubectl shows it, and the flow's
    // progress, conditional on the state, lands.
    const stateWritten = (cluster.status?.clusterStatus ?? '') === state ? {} : { clusterStatus: state };
    const { patched, fencedAt } = await writeTransition(this.deps, cluster, resource, stateWritten, record);
    log.info({ state, transition: record.id, fencedAt }, 'recorded the transition of a state entered without one');
    // Its id is new (the write was conditional on the cluster read): straight to the start, which attaches to a run of it anyway.
    return this.runs.ensureRun(patched, resource, record, 'new', log);
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
      await refuseInput(this.deps, cluster, resource, 'CheckerFailed', `transition check failed: ${errorText(outcome.error)}`);
      throw outcome.error;
    }
    await clearBadInput(this.deps, cluster, resource, ['CheckerFailed']);
    if (outcome.kind === 'none') {
      fenced(this.deps);
      if (await writeHeld(this.deps, cluster, resource, held)) log.info({ held: held?.to, reason: held?.reason, nextWindowStart: held?.nextWindowStart }, held ? `${held.to} held: ${held.message}` : 'no transition held any more');
      return held && lookAgainMs !== undefined ? { requeueAfterMs: lookAgainMs } : undefined;
    }
    const previous = cluster.status?.transition;
    const streak = state === States.interrupt ? (previous?.interruptStreak ?? 0) + 1 : 0;
    const waitMs = state === States.interrupt ? backoffLeft(cluster, streak) : 0;
    if (waitMs > 0) {
      log.info({ to: outcome.transition.to, streak, waitMs }, 'transition from Interrupt backs off');
      return { requeueAfterMs: waitMs };
    }
    const record = newTransition(cluster, resource, state, outcome.transition.to, outcome.transition.flowName, outcome.event, streak);
    // A held request stays on the status while a non-disruptive transition runs; one that now starts is released.
    const heldStatus = held || cluster.status?.held ? heldFields(cluster, held, held ? undefined : record.to) : {};
    const { patched, fencedAt } = await writeTransition(this.deps, cluster, resource, { clusterStatus: record.to, ...heldStatus }, record);
    this.admission.written(resource, record.id);
    const heldNow = heldEvent(cluster.status?.held, held);
    if (heldNow) await this.deps.recordEvent(resource, heldNow);
    log.info({ from: state, to: record.to, event: outcome.event.name, transition: record.id, fencedAt }, `set cluster status from ${state} to ${record.to}`);
    this.deps.afterStatusPatch?.();
    // From here a failure (Temporal down, say) is retried by the unstable state's reconcile: the transition is kept.
    // Its id is new, so no run of it can exist yet: straight to the start, which refuses a duplicate anyway.
    return this.runs.ensureRun(patched, resource, record, 'new', log);
  }
}
