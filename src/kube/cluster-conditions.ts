import type { ResourceRef } from '../contract/flow-run';
import { apiStatus } from './client';
import type { MpdClusterClient } from './mpdcluster-client';
import type { MPDCluster } from './mpdcluster';
import type { Condition } from './mpdcluster-schema';

export type ConditionChange = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** A write on behalf of a run: made only while the cluster, as read, is still that run's (stuck-watch.ts: stillRunning, notLater). */
export type ConditionGuard = (cluster: MPDCluster) => boolean;

/**
 * Sets one condition and keeps the others: the whole list is written back, conditional on the object read (a 409
 * reads again). A condition already in that status is not written again, nor one lowered that was never raised.
 */
export async function setClusterCondition(clusters: MpdClusterClient, ref: ResourceRef, change: ConditionChange, onlyWhile?: ConditionGuard): Promise<void> {
  for (let tries = 0; tries < 5; tries++) {
    const cluster = await clusters.get(ref);
    // Checked on the object the write is conditional on: no other write can come between.
    if (onlyWhile && !onlyWhile(cluster)) return;
    const current = cluster.status?.conditions ?? [];
    const same = current.find((c) => c.type === change.type);
    if (same && same.status === change.status && same.message === change.message) return;
    // Lowering a condition that was never raised says nothing.
    if (!same && change.status === 'False') return;
    const next = { ...change, lastTransitionTime: same?.status === change.status ? same.lastTransitionTime : new Date().toISOString() };
    try {
      await clusters.patchStatus(ref, { conditions: [...current.filter((c) => c.type !== change.type), next] }, cluster.metadata.resourceVersion);
      return;
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
    }
  }
}
