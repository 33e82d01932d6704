import { randomBytes } from 'node:crypto';
import type { KubeClients } from './client';
import { mpdClusterApi, mpdClusterApiVersion } from './mpdcluster';
import { MpdClusterClient, type ClusterRef } from './mpdcluster-client';
import { rawKubeRequest } from './raw-request';

export interface ClusterEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * A Kubernetes Event on an MPDCluster, readable with `kubectl describe`: the worker's hooks and the controller both
 * write them. `kubectl describe` finds Events by the object's uid: pass it when known, else it is read first.
 */
export async function recordClusterEvent(kube: KubeClients, resource: ClusterRef, event: ClusterEvent, uid?: string): Promise<void> {
  const involvedUid = uid ?? (await new MpdClusterClient(kube).get(resource)).metadata.uid;
  const now = new Date().toISOString();
  // Plain JSON (rawKubeRequest): the generated client's model serialisation costs more CPU than the write.
  await rawKubeRequest(kube.config, 'POST', `/api/v1/namespaces/${encodeURIComponent(resource.namespace)}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${resource.name}.${randomBytes(8).toString('hex')}`, namespace: resource.namespace },
    involvedObject: {
      apiVersion: mpdClusterApiVersion,
      kind: mpdClusterApi.kind,
      name: resource.name,
      namespace: resource.namespace,
      uid: involvedUid,
    },
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: 'mpdflow' },
    reportingComponent: 'mpdflow',
    reportingInstance: 'mpdflow-worker',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
