import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { ResourceRef } from '../contract/flow-run';
import type { MPDClusterSpec, MPDClusterStatus } from './mpdcluster-schema';

/** Where the MPDCluster lives in the API; one definition for the CRD, the clients and RBAC. */
export const mpdClusterApi = {
  group: 'mpd.polardb.aliyun.com',
  version: 'v1',
  kind: 'MPDCluster',
  listKind: 'MPDClusterList',
  plural: 'mpdclusters',
  singular: 'mpdcluster',
  shortNames: ['mpd'],
} as const;

export const mpdClusterApiVersion = `${mpdClusterApi.group}/${mpdClusterApi.version}`;

export interface MPDCluster {
  apiVersion: typeof mpdClusterApiVersion;
  kind: 'MPDCluster';
  metadata: V1ObjectMeta;
  spec: MPDClusterSpec;
  status?: MPDClusterStatus;
}

/** The flow runtime's reference to one MPDCluster. */
export function mpdClusterRef(namespace: string, name: string): ResourceRef {
  return { resourceType: mpdClusterApi.kind, namespace, name };
}
