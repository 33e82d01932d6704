import type { Logger } from 'pino';
import { parseFlowWorkflowId, type FlowEvent, type InterruptInfo, type ResourceRef } from '../contract/flow-run';
import type { ClusterConditionWriter, FlowResource } from './flow-resource';
import { setClusterCondition, type ConditionChange, type ConditionGuard } from '../kube/cluster-conditions';
import type { HoldInfo } from '../contract/holds';
import { States, type FlowPhase } from '../contract/states';
import { apiStatus, type KubeClients } from '../kube/client';
import { recordClusterEvent, type ClusterEvent } from '../kube/cluster-events';
import { completeTransition } from '../kube/cluster-state';
import { MpdClusterClient, type JsonPatchOperation } from '../kube/mpdcluster-client';
import type { MPDClusterStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import type { Operator } from '../operator-api/operator';
import { BackgroundWrites } from './background-writes';
import { writeRunInterrupt } from './interrupt-write';
import { isReplaced } from '../kube/run-owner';
import { runLink, stepMessage } from '../kube/run-status';
import { oneLine, readableText } from '../kube/error-text';
import type { CompiledFlow } from '../contract/flow-definition';

export interface MpdClusterFlowResourceOptions {
  /** Base URL of the Temporal Web UI, for the link on status.workflow. */
  webUiUrl?: string;
  temporalNamespace: string;
  log: Logger;
  /** The operator's status summary, written with the stable state when a flow completes. */
  stableStatus?: Operator['stableStatus'];
  /** Write status.workflow at each step (default); off, only a flow's completion and interrupt write it. */
  progress?: boolean;
  /** Progress writes a second, all clusters together (the newest of each cluster is what waits). */
  progressPerSecond?: number;
  /** A cluster's progress at most once per this many ms (its newest step): fast steps share a write. */
  progressIntervalMs?: number;
  /** The expected time left from this step on (usual durations of completed runs), written with each progress. */
  expectedRemainingMs?: (event: FlowEvent) => number | undefined;
  /** The flows this worker serves: where an interrupt's failed step sits in its flow. */
  flows?: ReadonlyMap<string, CompiledFlow>;
}

/** The 1-based place of the interrupt's step in its flow; undefined when the event or the flow does not say. */
function failedStepIndex(event: FlowEvent, interrupt: InterruptInfo, flows: ReadonlyMap<string, CompiledFlow> | undefined): number | undefined {
  if (event.index) return event.index;
  if (!interrupt.step) return undefined;
  const at = flows?.get(event.flowName)?.steps.findIndex((step) => step.stepName === interrupt.step) ?? -1;
  return at >= 0 ? at + 1 : undefined;
}

const keyOf = (resource: ResourceRef) => `${resource.namespace}/${resource.name}`;

/**
 * The flow runtime's view of an MPDCluster: progress on status.workflow, the seed's interrupt, Events.
 * Progress and Events go out in the background (BackgroundWrites); completion and interrupt are written before the
 * flow goes on, after the progress still in flight, so no progress ever lands on top of them from this process.
 * Progress of a transition's run is also conditional on the cluster still being in that transition, so a late write
 * from another worker process cannot overwrite the stable state either.
 */
export class MpdClusterFlowResource implements FlowResource, ClusterConditionWriter {
  private readonly clusters: MpdClusterClient;
  private readonly writes: BackgroundWrites;
  /** The uid of each cluster with a run in progress here, for Events (learnt from writes; transition ids carry it). */
  private readonly uids = new Map<string, string>();

  constructor(
    private readonly kube: KubeClients,
    private readonly options: MpdClusterFlowResourceOptions,
  ) {
    this.clusters = new MpdClusterClient(kube);
    this.writes = new BackgroundWrites(options.log, { latestPerSecond: options.progressPerSecond, latestIntervalMs: options.progressIntervalMs });
  }

  private workflowStatus(event: FlowEvent, phase: FlowPhase, message: string): WorkflowStatus {
    const link = runLink(this.options.webUiUrl, this.options.temporalNamespace, event.workflowId, event.runId);
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

  reportProgress(event: FlowEvent): void {
    this.writeProgress(event);
  }

  reportRetry(event: FlowEvent, nextAttempt: number, error: string): void {
    this.writeProgress(event, { attempt: nextAttempt, lastError: oneLine(error) });
  }

  /** status.workflow of a running step (the whole object: a write waiting for its turn is replaced by the newer one). */
  private writeProgress(event: FlowEvent, retry?: { attempt: number; lastError: string }): void {
    if (this.options.progress === false) return;
    const step = stepMessage(event.index, event.total, event.stepName ?? '');
    const message = !event.stepName ? `flow ${event.flowName} started` : retry ? `${step}, attempt ${retry.attempt} after: ${retry.lastError}` : step;
    const remainingMs = this.options.expectedRemainingMs?.(event);
    const eta = remainingMs === undefined ? {} : { expectedRemainingSeconds: Math.round(remainingMs / 1000), expectedCompletionAt: new Date(Date.now() + remainingMs).toISOString() };
    this.writeWorkflow(event, { ...this.workflowStatus(event, 'Running', message), ...eta, ...retry });
  }

  setCondition(resource: ResourceRef, change: ConditionChange, onlyWhile?: ConditionGuard): void {
    this.writes.queue(() => this.ignoreGone(resource, () => setClusterCondition(this.clusters, resource, change, onlyWhile)));
  }

  /**
   * A hold is written by the hold's own activity, even with progress writes off (a person has to act on it): the
   * activity completes only once it landed, so a worker killed before then leaves the activity to be retried (the
   * soak lost a queued hold that way, and the gate it announced was never seen). Progress still queued is dropped.
   */
  async markHeld(event: FlowEvent, hold: HoldInfo): Promise<void> {
    const message =
      hold.kind === 'approval'
        ? `step ${event.index}/${event.total} ${hold.step} waits for approval: mpdflow approve|reject ${event.resource.namespace}/${event.resource.name}`
        : `paused before step ${event.index}/${event.total} ${hold.step}: ${hold.reason}`;
    await this.writes.settle(keyOf(event.resource));
    await this.workflowWrite(event, { ...this.workflowStatus(event, hold.kind === 'approval' ? 'AwaitingApproval' : 'Paused', message), hold })();
  }

  private writeWorkflow(event: FlowEvent, workflow: WorkflowStatus): void {
    this.writes.latest(keyOf(event.resource), this.workflowWrite(event, workflow));
  }

  /** The write of status.workflow: for a transition's run, only while the cluster is still in that transition. */
  private workflowWrite(event: FlowEvent, workflow: WorkflowStatus): () => Promise<void> {
    const inTransition = parseFlowWorkflowId(event.workflowId).kind === 'transition' && event.state;
    return () =>
      this.ignoreGone(event.resource, async () => {
        try {
          const written = inTransition
            ? await this.clusters.jsonPatchStatus(event.resource, [...this.stillIn(event), { op: 'add', path: '/status/workflow', value: workflow }])
            : await this.clusters.patchStatus(event.resource, { workflow });
          this.learnUid(event.resource, written.metadata.uid);
        } catch (error) {
          // 422: the cluster has left this transition (completed, interrupted, superseded): this progress is history.
          if (apiStatus(error) !== 422) throw error;
        }
      });
  }

  /** JSON-patch tests: the cluster is still in the transition this run belongs to. */
  private stillIn(event: FlowEvent): JsonPatchOperation[] {
    return [
      { op: 'test', path: '/status/transition/workflowId', value: event.workflowId },
      { op: 'test', path: '/status/clusterStatus', value: event.state },
    ];
  }

  async markCompleted(event: FlowEvent): Promise<void> {
    await this.writes.settle(keyOf(event.resource));
    const workflow = this.workflowStatus(event, 'Completed', `flow ${event.flowName} completed`);
    const done = event.state !== States.deleting;
    const summary = done ? await this.summary(event.resource) : {};
    const { kind, uid } = parseFlowWorkflowId(event.workflowId);
    if (done && event.state) {
      if (await completeTransition(this.clusters, event.resource, event.workflowId, workflow, summary)) return;
      // The cluster has left this run's transition (a late or retried attempt): what it shows now is another run's.
      if (kind === 'transition') {
        this.options.log.info({ cluster: keyOf(event.resource), workflowId: event.workflowId }, "the cluster is no longer in this run's transition: its completion is not written");
        return;
      }
    }
    // A release run writes only on its own object (the uid in its id: a namesake may exist once the finalizer is gone).
    await this.ignoreGone(event.resource, async () => {
      if (uid && isReplaced(await this.clusters.get(event.resource), event.workflowId)) return;
      await this.clusters.patchStatus(event.resource, { workflow, ...summary });
    });
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

  async markInterrupted(event: FlowEvent, given: InterruptInfo): Promise<void> {
    // What a person reads on the cluster: never a client's HTTP dump, whoever built the message.
    const interrupt = { ...given, message: readableText(given.message) };
    await this.writes.settle(keyOf(event.resource));
    const status = this.workflowStatus(event, 'Interrupted', `${interrupt.reason}: ${interrupt.message}`);
    // Step i/n names the failed step (the interrupt event carries its name, not its place in the flow).
    const stepIndex = failedStepIndex(event, interrupt, this.options.flows) ?? status.stepIndex;
    const workflow = { ...status, step: interrupt.step ?? status.step, stepIndex, failedStep: interrupt.step ?? '' };
    await this.ignoreGone(event.resource, async () => {
      const current = await writeRunInterrupt(this.clusters, event, { ...interrupt, workflow }, this.options.log);
      this.learnUid(event.resource, current?.metadata.uid);
    });
  }

  recordEvent(event: FlowEvent, clusterEvent: ClusterEvent): void {
    const key = keyOf(event.resource);
    const uid = parseFlowWorkflowId(event.workflowId).uid ?? this.uids.get(key);
    // The run is over after its last Event: forget the uid, so the map holds only clusters with runs in progress.
    if (clusterEvent.reason === 'FlowCompleted' || clusterEvent.reason === 'FlowInterrupted') this.uids.delete(key);
    this.writes.queue(() => this.ignoreGone(event.resource, () => recordClusterEvent(this.kube, event.resource, clusterEvent, uid)));
  }

  drain(): Promise<void> {
    return this.writes.drain();
  }

  private learnUid(resource: ResourceRef, uid: string | undefined): void {
    if (uid) this.uids.set(keyOf(resource), uid);
  }

  /** A cluster deleted under a running flow is not an error of the flow's bookkeeping. */
  private async ignoreGone(resource: ResourceRef, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (apiStatus(error) === 404) {
        this.options.log.info({ cluster: keyOf(resource) }, 'cluster is gone; skipping its flow bookkeeping');
        return;
      }
      throw error;
    }
  }
}
