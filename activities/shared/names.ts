/** The names and labels of what a cluster owns: one definition for the steps, the pod builder and the tests. */
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { mpdClusterApi, mpdClusterApiVersion } from '../../src/kube/mpdcluster';

export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'mpd.polardb.aliyun.com/cluster',
  insId: 'mpd.polardb.aliyun.com/ins-id',
  role: 'mpd.polardb.aliyun.com/role',
  /** The HA manager's scope (<cluster>-rw) on every engine pod: how its members find each other. */
  haScope: 'mpd.polardb.aliyun.com/ha-scope',
} as const;
export const podAnnotations = { restartToken: 'mpd.polardb.aliyun.com/restart-token', className: 'mpd.polardb.aliyun.com/class', version: 'mpd.polardb.aliyun.com/version' } as const;

/** The role label's values, as the HA manager (Patroni) writes them on each engine pod; a stopped engine has none. */
export const engineRoles = { leader: 'master', replica: 'replica' } as const;

export const engineSecretName = (cluster: string) => `${cluster}-engine-credentials`;
/** The Secret's keys; the engine pod maps them onto Patroni's environment. */
export const credentialKeys = { superuser: 'superuser-password', replication: 'replication-password', api: 'api-password' } as const;
/** The cluster's CA (certificate and key: the worker's, never mounted) and the engines' server certificate with ca.crt. */
export const engineCaSecretName = (cluster: string) => `${cluster}-engine-ca`;
export const engineTlsSecretName = (cluster: string) => `${cluster}-engine-tls`;
export const engineServiceAccountName = (cluster: string) => `${cluster}-engine`;
/** The ClusterRole (deploy/helm/mpdflow/files/engine-rules.yaml) each cluster's engines are bound to in its namespace. */
export const engineClusterRoleName = () => process.env.MPDFLOW_ENGINE_CLUSTER_ROLE || 'mpdflow-engine';
/** Applications reach the writer at <cluster>-rw and the standbys at <cluster>-ro. */
export const rwServiceName = (cluster: string) => `${cluster}-rw`;
export const roServiceName = (cluster: string) => `${cluster}-ro`;
/** The HA manager's scope: the -rw Service's name, whose Endpoints carry the leader lock and the writer's address. */
export const haScope = (cluster: string) => rwServiceName(cluster);
/** The HA manager's own Endpoints (config first; the leader's are the -rw Service's), which no cluster owns. */
export const haStoreEndpointsNames = (cluster: string) => ['-config', '', '-failover', '-sync'].map((suffix) => `${haScope(cluster)}${suffix}`);
/** The Service the HA manager makes to keep its config Endpoints from being taken for a Service's. */
export const haConfigServiceName = (cluster: string) => `${haScope(cluster)}-config`;
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

