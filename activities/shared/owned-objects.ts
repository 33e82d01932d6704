/**
 * Objects a cluster owns, created under names derived from the cluster's. A cluster deleted and created again under
 * the same name finds its predecessor's objects still there for a while (the garbage collector, a claim's
 * protection while the old pods stop): those are not this cluster's, and using one would tie it to what is going away.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { WaitingError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';

/** Why an object found under this cluster's name is not (or no longer) this cluster's; undefined when it is. */
export function notThisClusters(meta: V1ObjectMeta | undefined, cluster: MPDCluster): string | undefined {
  if (meta?.deletionTimestamp) return 'is being deleted';
  const owners = meta?.ownerReferences ?? [];
  if (owners.length > 0 && !owners.some((owner) => owner.uid === cluster.metadata.uid)) return `belongs to an earlier cluster of the same name (uid ${owners[0]!.uid})`;
  return undefined;
}

/**
 * Creates an object the cluster owns unless it exists. A 409 is success when the object found is this cluster's (an
 * earlier attempt made it); one left by a deleted cluster of the same name, or being deleted, is waited out.
 */
export async function createOwned(cluster: MPDCluster, what: string, create: () => Promise<unknown>, read: () => Promise<{ metadata?: V1ObjectMeta }>): Promise<void> {
  try {
    await create();
    return;
  } catch (error) {
    if (apiStatus(error) !== 409) throw error;
  }
  let found: { metadata?: V1ObjectMeta };
  try {
    found = await read();
  } catch (error) {
    // Gone between the create and the read: the next attempt creates it.
    if (apiStatus(error) === 404) throw new WaitingError(`${what} went away while being created: creating it again`, 1_000);
    throw error;
  }
  const why = notThisClusters(found.metadata, cluster);
  if (why) throw new WaitingError(`${what} ${why}: waiting for it to go`, 5_000);
}
