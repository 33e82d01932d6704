/**
 * The audit trail: one small immutable ConfigMap per operation, in the cluster's namespace, labelled by cluster, with
 * no owner (it outlives the cluster and Temporal's retention), and only the newest `keep` per cluster kept (bounded).
 * Each record is also one `audit` log line, for log pipelines that keep more.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { MPDCluster } from '../kube/mpdcluster';
import type { Requester } from '../kube/requester';
import { parseFlowWorkflowId, type FlowEvent } from '../contract/flow-run';
import { apiStatus, type KubeClients } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { rawKubeRequest } from '../kube/raw-request';
import { auditRecord } from './audit-record';

export const auditLabels = { audit: 'mpdflow.io/audit', cluster: 'mpdflow.io/cluster', flow: 'mpdflow.io/flow', outcome: 'mpdflow.io/outcome' } as const;
export const auditRecordKey = 'record.json';

export interface AuditTrailOptions {
  log: Logger;
  /** `<deployment>/<buildId>` of this worker, or `unversioned`. */
  workerBuild: string;
  /** Records kept per cluster (MPDFLOW_AUDIT_KEEP); the oldest beyond it are deleted. 0: no records. */
  keep: number;
}

/** One record per run: the same name for every attempt of the run's end activity, so a retry never writes two. */
export function auditRecordName(cluster: string, workflowId: string, runId: string): string {
  const digest = createHash('sha256').update(`${workflowId}\n${runId}`).digest('hex').slice(0, 10);
  return `mpdflow-audit-${cluster.slice(0, 200)}-${digest}`;
}

/** Writes a run's record at its end; a failure is logged and never fails the flow. */
export class AuditTrail {
  private readonly clusters: MpdClusterClient;

  constructor(
    private readonly kube: KubeClients,
    private readonly options: AuditTrailOptions,
  ) {
    this.clusters = new MpdClusterClient(kube);
  }

  async record(event: FlowEvent): Promise<void> {
    if (this.options.keep <= 0) return;
    try {
      // A transition's run carries who asked (the controller recorded it at start) and its id carries the cluster's
      // uid: nothing to read on the completion's path. Another run reads the cluster as it is now.
      const uid = parseFlowWorkflowId(event.workflowId).uid;
      const cluster = event.requestedBy && uid ? undefined : await this.cluster(event);
      // The run's transition (a resumed run's id extends its transition's) names who asked when it was recorded.
      const transition = cluster?.status?.transition;
      const recorded =
        (event.requestedBy as Requester | undefined) ??
        (transition?.requestedBy && event.workflowId.startsWith(transition.workflowId) ? (transition.requestedBy as Requester) : undefined);
      const record = auditRecord(event, cluster?.metadata ?? { uid }, this.options.workerBuild, new Date(), recorded);
      this.options.log.info({ audit: record }, 'audit');
      await this.write(event, JSON.stringify(record));
      // Pruning is bookkeeping, not the record: off the run's critical path (the next record prunes what this misses).
      void this.prune(event.resource.namespace, event.resource.name).catch((error: unknown) =>
        this.options.log.warn({ err: error, workflowId: event.workflowId }, 'old audit records not pruned'),
      );
    } catch (error) {
      this.options.log.warn({ err: error, workflowId: event.workflowId }, 'audit record not written; the flow goes on');
    }
  }

  private async cluster(event: FlowEvent): Promise<MPDCluster | undefined> {
    try {
      return await this.clusters.get(event.resource);
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  private async write(event: FlowEvent, json: string): Promise<void> {
    const { namespace, name } = event.resource;
    const body: V1ConfigMap = {
      metadata: {
        name: auditRecordName(name, event.workflowId, event.runId),
        namespace,
        labels: {
          [auditLabels.audit]: 'true',
          [auditLabels.cluster]: name,
          [auditLabels.flow]: event.flowName.slice(0, 63),
          [auditLabels.outcome]: event.interrupt ? 'interrupted' : 'completed',
        },
      },
      immutable: true,
      data: { [auditRecordKey]: json },
    };
    try {
      // Plain JSON: on the completion's path, the generated client's model serialisation is CPU the run waits for.
      await rawKubeRequest(this.kube.config, 'POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', ...body });
    } catch (error) {
      if (apiStatus(error) !== 409) throw error; // this run's record exists: a retried end activity
    }
  }

  /** Keeps the newest `keep` records of the cluster (by creation, then name). */
  private async prune(namespace: string, cluster: string): Promise<void> {
    const selector = encodeURIComponent(`${auditLabels.audit}=true,${auditLabels.cluster}=${cluster}`);
    // Names and creation times only (the server sends the objects' metadata): the records' contents are not needed.
    const list = (await rawKubeRequest(
      this.kube.config,
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps?labelSelector=${selector}`,
      undefined,
      undefined,
      undefined,
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    )) as { items: V1ConfigMap[] };
    const created = (cm: V1ConfigMap) => new Date(cm.metadata?.creationTimestamp ?? 0).getTime();
    const newestFirst = (list.items ?? []).sort((a, b) => created(b) - created(a) || Number(b.metadata?.resourceVersion ?? 0) - Number(a.metadata?.resourceVersion ?? 0));
    for (const old of newestFirst.slice(this.options.keep)) {
      await this.kube.core.deleteNamespacedConfigMap({ namespace, name: old.metadata!.name! }).catch((error: unknown) => {
        if (apiStatus(error) !== 404) throw error;
      });
    }
  }
}
