/** `status.held` and the `DisruptionHeld` condition: written together, only when what people read changes. */
import type { ClusterEvent } from '../kube/cluster-events';
import { disruptionHeldCondition } from '../kube/held-reasons';
import type { MPDCluster } from '../kube/mpdcluster';
import type { ClusterRef, MpdClusterClient } from '../kube/mpdcluster-client';
import type { Condition, HeldStatus, MPDClusterStatus } from '../kube/mpdcluster-schema';
import { heldChanged } from './disruption-gate';

export interface HeldDeps {
  clusters: MpdClusterClient;
  recordEvent(resource: ClusterRef, event: ClusterEvent): Promise<void>;
}

/** The status fields that say a transition is held (or no longer: `held` null deletes it in the merge patch). */
export function heldFields(cluster: MPDCluster, held: HeldStatus | undefined, started?: string): Partial<MPDClusterStatus> {
  const condition: Omit<Condition, 'lastTransitionTime'> = held
    ? { type: disruptionHeldCondition, status: 'True', reason: held.reason, message: held.message ?? '' }
    : { type: disruptionHeldCondition, status: 'False', reason: started ? 'Started' : 'NotRequested', message: started ? `${started} started` : 'no disruptive transition is waiting' };
  const others = (cluster.status?.conditions ?? []).filter((c) => c.type !== disruptionHeldCondition);
  const conditions = [...others, { ...condition, lastTransitionTime: new Date().toISOString(), observedGeneration: cluster.metadata.generation }];
  return { held: (held ?? null) as HeldStatus | undefined, conditions };
}

/** Writes the held state when it changed (conditional on the object read); an Event when a new wait begins. */
export async function writeHeld(deps: HeldDeps, cluster: MPDCluster, ref: ClusterRef, held: HeldStatus | undefined): Promise<boolean> {
  const current = cluster.status?.held;
  if (!heldChanged(current, held)) return false;
  await deps.clusters.patchStatus(ref, heldFields(cluster, held), cluster.metadata.resourceVersion);
  const event = heldEvent(current, held);
  if (event) await deps.recordEvent(ref, event);
  return true;
}

/** The Event of a wait that begins (a new transition held, or held for another reason); none while it goes on. */
export function heldEvent(current: HeldStatus | undefined, held: HeldStatus | undefined): ClusterEvent | undefined {
  if (!held || (current?.reason === held.reason && current.to === held.to)) return undefined;
  return { type: held.reason === 'InvalidMaintenanceWindow' ? 'Warning' : 'Normal', reason: held.reason, message: held.message ?? '' };
}
