/** The soak's delete request: what it expects depends on the cluster as the delete found it. */
import { apiStatus } from '../../src/kube/client';
import { mpdFinalizer } from '../../src/kube/annotations';
import type { ClusterRef } from '../../src/kube/mpdcluster-client';
import type { OperationEnv, OperationPlan } from './operations';

/**
 * Deletes the cluster as read: one without the finalizer yet (its create cancelled before InitMeta added it, as the
 * seed's does) has nothing to release and goes at once, so that request expects no flow. The delete's preconditions
 * make the read the truth: a finalizer added in between fails the delete (409), and it is read and tried again.
 */
export async function deleteAsSeen(env: OperationEnv, ref: ClusterRef, plan: OperationPlan): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const cluster = await env.clusters.get(ref);
    const releases = (cluster.metadata.finalizers ?? []).includes(mpdFinalizer);
    try {
      await env.clusters.delete(ref, { uid: cluster.metadata.uid!, resourceVersion: cluster.metadata.resourceVersion! });
    } catch (error) {
      if (attempt < 5 && apiStatus(error) === 409) continue;
      throw error;
    }
    if (!releases) Object.assign(plan, { expectFlow: undefined, detail: 'delete (no finalizer yet: nothing to release)' });
    return;
  }
}
