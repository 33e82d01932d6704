import type { MPDCluster } from '../../kube/mpdcluster';
import type { MPDClusterStatus } from '../../kube/mpdcluster-schema';

/**
 * What the seed's UpdateRunningStatus wrote at the end of every flow: the follower count and the class. The engine
 * writes it with Running when a flow completes (Operator.stableStatus); the step of that name is a no-op alias now.
 */
export function sharedStableStatus(cluster: MPDCluster): Partial<MPDClusterStatus> {
  const followers = Object.values(cluster.status?.dbInstanceStatus ?? {}).filter((ins) => ins.insType === 'ro').length;
  const classInfo = cluster.spec.classInfo;
  // A merge of the class, as the step's merge patch did: keys only the status has are kept.
  return { followerNum: followers, ...(classInfo ? { insClassInfo: { ...cluster.status?.insClassInfo, ...classInfo } } : {}) };
}
