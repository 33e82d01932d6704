import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';
import type { FlowPhase, FlowResource } from '../flows/flow-resource';
import { interruptAnnotations, interruptNotRecovering } from './annotations';
import { apiStatus, type KubeClients } from './client';
import { mpdClusterApi, mpdClusterApiVersion } from './mpdcluster';
import { MpdClusterClient } from './mpdcluster-client';
import type { WorkflowStatus } from './mpdcluster-schema';
import { States } from '../statemachine/state-machine';

export interface MpdClusterFlowResourceOptions {
  /** Base URL of the Temporal Web UI, for the link on status.workflow. */
  webUiUrl?: string;
  temporalNamespace: string;
  log: Logger;
}

/** The flow runtime's view of an MPDCluster: progress on status.workflow, the seed's interrupt, Events. */
export class MpdClusterFlowResource implements FlowResource {
  private readonly clusters: MpdClusterClient;

  constructor(
    private readonly kube: KubeClients,
    private readonly options: MpdClusterFlowResourceOptions,
  ) {
    this.clusters = new MpdClusterClient(kube);
  }

  private workflowStatus(event: FlowEvent, phase: FlowPhase, message: string): WorkflowStatus {
    const link = this.options.webUiUrl
      ? `${this.options.webUiUrl}/namespaces/${this.options.temporalNamespace}/workflows/${encodeURIComponent(event.workflowId)}/${event.runId}`
      : undefined;
    return {
      flowName: event.flowName,
      phase,
      step: event.stepName ?? '',
      stepIndex: event.index ?? 0,
      stepTotal: event.total,
      workflowId: event.workflowId,
      runId: event.runId,
      ...(link ? { webUiUrl: link } : {}),
      message,
      updatedAt: new Date().toISOString(),
    };
  }

  async writeProgress(event: FlowEvent, phase: FlowPhase): Promise<void> {
    const message =
      phase === 'Completed' ? `flow ${event.flowName} completed` : event.stepName ? `step ${event.index}/${event.total}: ${event.stepName}` : `flow ${event.flowName} started`;
    const workflow = this.workflowStatus(event, phase, message);
    if (phase === 'Completed' && event.state && event.state !== States.deleting) {
      if (await this.completeTransition(event.resource, event.workflowId, workflow)) return;
    }
    await this.ignoreGone(event.resource, () => this.clusters.patchStatus(event.resource, { workflow }));
  }

  /**
   * The one writer of the stable state after a flow: Running and phase Completed in one write, made only while the
   * cluster is still in this run's transition (a `test` on status.transition.workflowId), so a late completion never
   * overwrites a newer transition. False when the cluster is not in it (or has no transition record).
   */
  private async completeTransition(resource: ResourceRef, workflowId: string, workflow: WorkflowStatus): Promise<boolean> {
    try {
      await this.clusters.jsonPatchStatus(resource, [
        { op: 'test', path: '/status/transition/workflowId', value: workflowId },
        { op: 'add', path: '/status/clusterStatus', value: States.running },
        { op: 'add', path: '/status/workflow', value: workflow },
      ]);
      return true;
    } catch (error) {
      if (apiStatus(error) === 422 || apiStatus(error) === 404) return false;
      throw error;
    }
  }

  async markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void> {
    await this.ignoreGone(event.resource, async () => {
      const current = await this.clusters.get(event.resource);
      const annotations = current.metadata.annotations ?? {};
      // A retried activity must not record Interrupt as its own previous state.
      const previous =
        event.state ?? (current.status?.clusterStatus === 'Interrupt' ? annotations[interruptAnnotations.previousStatus] : current.status?.clusterStatus) ?? 'Creating';
      await this.clusters.patch(event.resource, {
        metadata: {
          annotations: {
            [interruptAnnotations.recover]: interruptNotRecovering,
            [interruptAnnotations.reason]: interrupt.reason,
            [interruptAnnotations.message]: interrupt.message,
            [interruptAnnotations.previousStatus]: previous,
          },
        },
      });
      const status = this.workflowStatus(event, 'Interrupted', `${interrupt.reason}: ${interrupt.message}`);
      await this.clusters.patchStatus(event.resource, {
        clusterStatus: 'Interrupt',
        workflow: { ...status, step: interrupt.step ?? status.step, failedStep: interrupt.step ?? '' },
      });
    });
  }

  async recordEvent(resource: ResourceRef, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void> {
    await this.ignoreGone(resource, async () => {
      const cluster = await this.clusters.get(resource);
      const now = new Date();
      await this.kube.core.createNamespacedEvent({
        namespace: resource.namespace,
        body: {
          metadata: { name: `${resource.name}.${randomBytes(8).toString('hex')}`, namespace: resource.namespace },
          involvedObject: {
            apiVersion: mpdClusterApiVersion,
            kind: mpdClusterApi.kind,
            name: resource.name,
            namespace: resource.namespace,
            uid: cluster.metadata.uid,
            resourceVersion: cluster.metadata.resourceVersion,
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
        },
      });
    });
  }

  /** A cluster deleted under a running flow is not an error of the flow's bookkeeping. */
  private async ignoreGone(resource: ResourceRef, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (apiStatus(error) === 404) {
        this.options.log.info({ cluster: `${resource.namespace}/${resource.name}` }, 'cluster is gone; skipping its flow bookkeeping');
        return;
      }
      throw error;
    }
  }
}
