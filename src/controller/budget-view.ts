/**
 * How the disruption budget sees the clusters the informer holds: who holds a slot, who waits in which rule's queue,
 * and what a holder is doing when it is not obvious. Pure: the controller wires it to its informer.
 */
import type { MPDCluster } from '../kube/mpdcluster';
import type { StateMachine } from '../statemachine/state-machine';
import type { BudgetView } from './disruption-budget';

export function budgetView(sm: StateMachine<MPDCluster>, clusters: () => MPDCluster[]): BudgetView {
  return {
    clusters,
    isDisrupting: (c) => {
      const state = sm.normalize(c.status?.clusterStatus);
      const transition = c.status?.transition;
      const recorded = transition?.to === state ? transition : undefined;
      return !sm.isStable(state) && sm.isDisruptive(recorded?.from, state, recorded ? { name: recorded.event ?? '', trigger: recorded.trigger } : undefined);
    },
    queuedSince: (c) => (waitsForBudget(c) ? c.status!.held!.since : undefined),
    queuedBy: (c) => (waitsForBudget(c) ? c.status!.held!.budget : undefined),
    holderNote: (c) => {
      const hold = c.status?.workflow?.hold;
      if (!hold) return undefined;
      return hold.kind === 'paused' ? `paused before ${hold.step}` : `waiting for approval of ${hold.step}`;
    },
  };
}

/**
 * Held for a budget slot, and still able to take one: a cluster being deleted, or whose input is now refused (its
 * request cannot start), leaves the queue at once instead of holding back every cluster behind it.
 */
function waitsForBudget(c: MPDCluster): boolean {
  return c.status?.held?.reason === 'DisruptionBudgetFull' && !c.metadata.deletionTimestamp && !c.status.inputRefused;
}
