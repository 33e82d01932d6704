/**
 * Requests that can never fire as written are consumed at once: removed (only if unchanged, so a new request written
 * meanwhile stays) with a Warning Event saying why. Kept, they would fire later, on a cluster that has changed since.
 */
import type { ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { interruptAnnotations, interruptNotRecovering } from '../kube/annotations';
import type { MPDCluster } from '../kube/mpdcluster';
import type { StaleRequest } from '../operator-api/operator';
import { fenced, type ReconcilerDeps } from './reconcile-deps';

/** The engine's own: a recover asked of a cluster that is not in Interrupt has nothing to recover. */
export function engineStaleRequests(cluster: MPDCluster, state: string): StaleRequest[] {
  const recover = cluster.metadata.annotations?.[interruptAnnotations.recover];
  if (state === States.interrupt || recover === undefined || recover === interruptNotRecovering) return [];
  return [{ annotation: interruptAnnotations.recover, value: recover, why: `annotation ${interruptAnnotations.recover}=${recover}: the cluster is ${state}, not Interrupt: there is nothing to recover` }];
}

/** Removes the stale requests of a cluster at rest; true when it wrote (the write wakes the next reconcile). */
export async function removeStaleRequests(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef, state: string): Promise<boolean> {
  const stale = [...engineStaleRequests(cluster, state), ...(deps.operator.staleRequests?.(cluster) ?? [])];
  if (stale.length === 0) return false;
  fenced(deps);
  const removed = await deps.clusters.removeAnnotationsIfUnchanged(resource, Object.fromEntries(stale.map((r) => [r.annotation, r.value])));
  for (const request of stale.filter((r) => removed.includes(r.annotation))) {
    await deps.recordEvent(resource, { type: 'Warning', reason: 'RequestRemoved', message: `${request.why}; the request was removed` });
  }
  return removed.length > 0;
}
