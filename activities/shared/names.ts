/** The names and labels of what a cluster owns: one definition for the steps, the pod builder and the tests. */
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { mpdClusterApi, mpdClusterApiVersion } from '../../src/kube/mpdcluster';

export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'mpd.polardb.aliyun.com/cluster',
  insId: 'mpd.polardb.aliyun.com/ins-id',
  role: 'mpd.polardb.aliyun.com/role',
} as const;
export const podAnnotations = { restartToken: 'mpd.polardb.aliyun.com/restart-token', className: 'mpd.polardb.aliyun.com/class', version: 'mpd.polardb.aliyun.com/version' } as const;

export const metaConfigMapName = (cluster: string) => `${cluster}-meta`;
export const managerConfigMapName = (cluster: string) => `${cluster}-cm-config`;
export const managerDeploymentName = (cluster: string) => `${cluster}-cm`;
export const userParamsConfigMapName = (cluster: string) => `${cluster}-user-params`;
export const appliedParamsConfigMapName = (cluster: string) => `${cluster}-params-applied`;
export const podName = (cluster: string, insId: string) => `${cluster}-${insId}`;
/** The instance ids a new cluster gets (InitMeta; `mpdflow plan` names their pods before they exist): the RW first, then each RO. */
export const initialInstanceIds = (followerNum: number) => Array.from({ length: 1 + followerNum }, (_, i) => `ins-${i + 1}`);
export const sharePvcName = (cluster: MPDCluster) => cluster.spec.shareStore?.sharePvcName || `${cluster.metadata.name}-share`;

export function ownerReference(cluster: MPDCluster) {
  return { apiVersion: mpdClusterApiVersion, kind: mpdClusterApi.kind, name: cluster.metadata.name!, uid: cluster.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

