/**
 * Objects a cluster owns, created under names derived from the cluster's. A cluster deleted and created again under
 * the same name finds its predecessor's objects still there for a while (the garbage collector, a claim's
 * protection while the old pods stop): those are not this cluster's, and using one would tie it to what is going away.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { WaitingError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';

/** A delete that is done when the object is gone, whoever removed it. */
export async function deleteIfPresent(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
}

/** Why an object found under this cluster's name is not (or no longer) this cluster's; undefined when it is. */
export function notThisClusters(meta: V1ObjectMeta | undefined, cluster: MPDCluster): string | undefined {
  if (meta?.deletionTimestamp) return 'is being deleted';
  const owners = meta?.ownerReferences ?? [];
  if (owners.length > 0 && !owners.some((owner) => owner.uid === cluster.metadata.uid)) return `belongs to an earlier cluster of the same name (uid ${owners[0]!.uid})`;
  return undefined;
}

/**
 * Whether a deleted cluster of this name left this object: its only owners are MPDClusters of this cluster's name but
 * not its uid. Names are unique, so that owner is certainly gone; only the garbage collector has not caught up.
 */
export function leftByPredecessor(meta: V1ObjectMeta | undefined, cluster: MPDCluster): boolean {
  if (!meta?.uid || meta.deletionTimestamp) return false;
  const owners = meta.ownerReferences ?? [];
  return owners.length > 0 && owners.every((owner) => owner.kind === 'MPDCluster' && owner.name === cluster.metadata.name && owner.uid !== cluster.metadata.uid);
}

/** Deletes the object with this uid only (a precondition), so a newer object of the same name is never touched. */
export type RemoveExact = (options: { body: { preconditions: { uid: string } } }) => Promise<unknown>;

/**
 * Deletes this cluster's object of that name and nothing else: one owned by another cluster (created again under this
 * name while a late attempt of this one's release ran) is left, and the delete names the uid read, so an object that
 * replaced it in between is never touched either. Done when the object is gone or not this cluster's.
 */
export async function removeOwned(cluster: MPDCluster, read: () => Promise<{ metadata?: V1ObjectMeta }>, remove: RemoveExact): Promise<void> {
  let meta: V1ObjectMeta | undefined;
  try {
    meta = (await read()).metadata;
  } catch (error) {
    if (apiStatus(error) === 404) return;
    throw error;
  }
  const owners = meta?.ownerReferences ?? [];
  if (!meta?.uid || (owners.length > 0 && !owners.some((owner) => owner.uid === cluster.metadata.uid))) return;
  await removeExactly(remove, meta.uid);
}

/** Deletes the object with this uid; gone already, or replaced by a newer one (the precondition's 409), is done too. */
async function removeExactly(remove: RemoveExact, uid: string): Promise<void> {
  try {
    await remove({ body: { preconditions: { uid } } });
  } catch (error) {
    if (apiStatus(error) !== 404 && apiStatus(error) !== 409) throw error;
  }
}

/**
 * Creates an object the cluster owns unless it exists. A 409 is success when the object found is this cluster's (an
 * earlier attempt made it); one being deleted is waited out, and one left by a deleted cluster of the same name is
 * deleted (`remove`, this object only) rather than waited for: after API server restarts the garbage collector left
 * some for good (the 25-cluster soaks, 2026-12-07: re-created clusters waited 10 to 14 min in CreateRwPod and
 * CreateClusterManager).
 */
export async function createOwned(
  cluster: MPDCluster,
  what: string,
  create: () => Promise<unknown>,
  read: () => Promise<{ metadata?: V1ObjectMeta }>,
  remove: RemoveExact,
): Promise<void> {
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
  if (why && leftByPredecessor(found.metadata, cluster)) {
    // The next attempt looks again, whatever object then holds the name.
    await removeExactly(remove, found.metadata!.uid!);
    throw new WaitingError(`${what} ${why}: removed it, creating this cluster's own`, 1_000);
  }
  if (why) throw new WaitingError(`${what} ${why}: waiting for it to go`, 5_000);
}
