import type { ClusterEvent } from '../kube/cluster-events';
import { readableText } from '../kube/error-text';
import type { MPDCluster } from '../kube/mpdcluster';
import type { ClusterRef, MpdClusterClient } from '../kube/mpdcluster-client';
import type { Condition } from '../kube/mpdcluster-schema';

const validCondition = 'InputValid';

export interface BadInputDeps {
  clusters: MpdClusterClient;
  recordEvent(resource: ClusterRef, event: ClusterEvent): Promise<void>;
  /** Throws NotLeaderError once this controller may no longer act: called right before each write (the reconciler's). */
  fence(): void;
}

/**
 * Bad input is reported once on the cluster (a condition and an Event) and not retried until the object changes.
 * The condition writes are conditional on the object read (the whole list of conditions is written back).
 */
export async function reportBadInput(deps: BadInputDeps, cluster: MPDCluster, ref: ClusterRef, reason: string, given: string): Promise<boolean> {
  const message = readableText(given);
  const current = (cluster.status?.conditions ?? []).find((c) => c.type === validCondition);
  if (current?.status === 'False' && current.reason === reason && current.message === message) return false;
  deps.fence();
  // inputRefused goes in the same write: what kubectl's STATUS column shows (src/kube/mpdcluster-crd.ts).
  await deps.clusters.patchStatus(ref, { conditions: withCondition(cluster, { type: validCondition, status: 'False', reason, message }), inputRefused: reason }, cluster.metadata.resourceVersion);
  await deps.recordEvent(ref, { type: 'Warning', reason, message });
  return true;
}

/** Clears the bad-input condition, but only a reason the caller has just checked is gone (no flapping). */
export async function clearBadInput(deps: BadInputDeps, cluster: MPDCluster, ref: ClusterRef, reasons: string[]): Promise<void> {
  const current = (cluster.status?.conditions ?? []).find((c) => c.type === validCondition);
  if (!current || current.status === 'True' || !reasons.includes(current.reason ?? '')) return;
  // A merge patch's null removes the refusal: the STATUS column shows the state again.
  deps.fence();
  const accepted = { conditions: withCondition(cluster, { type: validCondition, status: 'True', reason: 'Valid', message: '' }), inputRefused: null as unknown as undefined };
  await deps.clusters.patchStatus(ref, accepted, cluster.metadata.resourceVersion);
}

function withCondition(cluster: MPDCluster, condition: Omit<Condition, 'lastTransitionTime'>): Condition[] {
  const others = (cluster.status?.conditions ?? []).filter((c) => c.type !== condition.type);
  return [...others, { ...condition, lastTransitionTime: new Date().toISOString(), observedGeneration: cluster.metadata.generation }];
}
