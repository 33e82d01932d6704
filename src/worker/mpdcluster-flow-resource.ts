import type { Logger } from 'pino';
import type { FlowEvent, InterruptInfo, ResourceRef } from '../contract/flow-run';
import type { FlowResource } from './flow-resource';
import { States, type FlowPhase } from '../contract/states';
import { interruptAnnotations, interruptNotRecovering } from '../kube/annotations';
import { apiStatus, type KubeClients } from '../kube/client';
import { recordClusterEvent, type ClusterEvent } from '../kube/cluster-events';
import { completeTransition } from '../kube/cluster-state';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import type { MPDClusterStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import type { Operator } from '../operator-api/operator';

export interface MpdClusterFlowResourceOptions {
  /** Base URL of the Temporal Web UI, for the link on status.workflow. */
  webUiUrl?: string;
  temporalNamespace: string;
  log: Logger;
  /** The operator's status summary, written with the stable state when a flow completes. */
  stableStatus?: Operator['stableStatus'];
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
    const done = phase === 'Completed' && event.state !== States.deleting;
    const summary = done ? await this.summary(event.resource) : {};
    if (done && event.state) {
      if (await completeTransition(this.clusters, event.resource, event.workflowId, workflow, summary)) return;
    }
    await this.ignoreGone(event.resource, () => this.clusters.patchStatus(event.resource, { workflow, ...summary }));
  }

  /** Operator.stableStatus of the cluster as it is now; nothing when the operator has none or the cluster is gone. */
  private async summary(resource: ResourceRef): Promise<Partial<MPDClusterStatus>> {
    if (!this.options.stableStatus) return {};
    try {
      return this.options.stableStatus(await this.clusters.get(resource));
    } catch (error) {
      if (apiStatus(error) === 404) return {};
      throw error;
    }
  }

  async markInterrupted(event: FlowEvent, interrupt: InterruptInfo): Promise<void> {
    await this.ignoreGone(event.resource, async () => {
      const current = await this.clusters.get(event.resource);
      const annotations = current.metadata.annotations ?? {};
      // A retried activity must not record Interrupt as its own previous state.
      const previous =
        event.state ?? (current.status?.clusterStatus === States.interrupt ? annotations[interruptAnnotations.previousStatus] : current.status?.clusterStatus) ?? States.creating;
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
        clusterStatus: States.interrupt,
        workflow: { ...status, step: interrupt.step ?? status.step, failedStep: interrupt.step ?? '' },
      });
    });
  }

  async recordEvent(resource: ResourceRef, event: ClusterEvent): Promise<void> {
    await this.ignoreGone(resource, () => recordClusterEvent(this.kube, resource, event));
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
