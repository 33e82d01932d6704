import type { MPDCluster } from '../../kube/mpdcluster';
import type { MPDClusterStatus } from '../../kube/mpdcluster-schema';
import { States } from '../../contract/states';
import { SharedStates } from './transitions';

/**
 * What the seed's UpdateRunningStatus wrote at the end of every flow: the follower count and the class. The engine
 * writes it with Running when a flow completes (Operator.stableStatus); the step of that name is a no-op alias now.
 */
export function sharedStableStatus(cluster: MPDCluster): Partial<MPDClusterStatus> {
  const followers = Object.values(cluster.status?.dbInstanceStatus ?? {}).filter((ins) => ins.insType === 'ro').length;
  const classInfo = cluster.spec.classInfo;
  // A merge of the class, as the step's merge patch did: keys only the status has are kept.
  // The volume's size as the flows that size it left it: extendStorage with that size again is refused (request-check.ts).
  const sized = ([States.creating, SharedStates.extendStorage] as string[]).includes(cluster.status?.transition?.to ?? '');
  const diskQuota = sized ? cluster.spec.shareStore?.diskQuota : undefined;
  return { followerNum: followers, ...(classInfo ? { insClassInfo: { ...cluster.status?.insClassInfo, ...classInfo } } : {}), ...(diskQuota ? { diskQuota } : {}) };
}
