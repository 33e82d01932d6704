/**
 * Admission of disruptive transitions: the maintenance window and the disruption budget. A slot the budget reserves
 * is kept only by a transition actually written; this part remembers which it wrote so that it releases the others.
 */
import type { ResourceRef } from '../contract/flow-run';
import { errorText } from '../kube/error-text';
import type { MPDCluster } from '../kube/mpdcluster';
import type { HeldStatus } from '../kube/mpdcluster-schema';
import type { CheckOutcome, Transition } from '../statemachine/state-machine';
import { clearBadInput, reportBadInput } from './bad-input';
import { admitDisruption, windowOf } from './disruption-gate';
import { clusterKey, fenced, type ReconcilerDeps } from './reconcile-deps';

export interface Admitted {
  outcome: CheckOutcome<MPDCluster>;
  /** The first disruptive transition held back, for `status.held`. */
  held?: HeldStatus;
  /** Whether the budget reserved a slot for the transition that fired. */
  reserved: boolean;
  lookAgainMs?: number;
}

export class Admission {
  /** The transition id this controller last wrote, by cluster: a budget reservation is released only when its write did not happen. */
  private readonly writtenTransition = new Map<string, number>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** A slot of the disruption budget freed (this cluster left a disruptive transition): the queue looks again. */
  wakeBudgetQueue(key: string, cluster: MPDCluster | undefined): void {
    for (const queued of this.deps.budget?.observe(key, cluster) ?? []) this.deps.enqueue(queued);
  }

  /** A malformed maintenance window is bad input (condition + one Event); true when this reconcile wrote it (the write wakes the next). */
  async reportWindow(cluster: MPDCluster, resource: ResourceRef): Promise<boolean> {
    try {
      windowOf(cluster);
    } catch (error) {
      fenced(this.deps);
      return reportBadInput(this.deps, cluster, resource, 'InvalidMaintenanceWindow', errorText(error));
    }
    await clearBadInput(this.deps, cluster, resource, ['InvalidMaintenanceWindow']);
    return false;
  }

  /**
   * The checkers in order; a disruptive transition outside its maintenance window or over the budget is held (recorded
   * in `status.held`) and the checkers after it speak, so a non-disruptive request is never held behind it.
   */
  async check(cluster: MPDCluster, state: string): Promise<Admitted> {
    const sm = this.deps.operator.stateMachine;
    const passed = new Set<Transition<MPDCluster>>();
    const nextId = (cluster.status?.transition?.id ?? 0) + 1;
    let first: { held: HeldStatus; lookAgainMs?: number } | undefined;
    for (;;) {
      const outcome = await sm.check(state, cluster, (t) => passed.has(t));
      if (outcome.kind !== 'fire' || !sm.isDisruptive(state, outcome.transition.to, outcome.event)) return { outcome, reserved: false, ...first };
      const admission = admitDisruption(cluster, outcome.transition.to, outcome.event.name, nextId, this.deps.budget, new Date());
      if (admission.admitted) return { outcome, reserved: admission.reserved, ...first };
      first ??= admission;
      passed.add(outcome.transition);
    }
  }

  /** The transition with this id is on the cluster: its reservation stays. */
  written(resource: ResourceRef, transitionId: number): void {
    this.writtenTransition.set(clusterKey(resource), transitionId);
  }

  /** After the checked transition's write was tried: a slot is kept only by a transition written; the budget forgets the reservation once the watch shows it. */
  settle(cluster: MPDCluster, resource: ResourceRef, reserved: boolean): void {
    const nextId = (cluster.status?.transition?.id ?? 0) + 1;
    if (reserved && this.writtenTransition.get(clusterKey(resource)) !== nextId) this.deps.budget?.release(cluster);
  }
}
