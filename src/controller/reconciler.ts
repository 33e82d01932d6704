import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { CompiledFlow } from '../contract/flow-definition';
import { cancelSignal, flowWorkflowId, type ResourceRef } from '../contract/flow-run';
import { recoveryStartStep } from '../flows/recovery';
import { cancelledAnnotation, interruptAnnotations, interruptNotRecovering, mpdFinalizer } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import type { Condition } from '../kube/mpdcluster-schema';
import { States, type StateEvent, type Transition } from '../statemachine/state-machine';
import { startFlow } from '../temporal/flow-client';
import { isOpen, latestRun, type RunInfo } from './flow-runs';
import type { ControllerMetrics } from './metrics';
import type { OperatorDefinition } from './operator-definition';

export interface ReconcilerDeps {
  clusters: MpdClusterClient;
  operator: OperatorDefinition;
  flows: ReadonlyMap<string, CompiledFlow>;
  temporal: Client;
  taskQueue: string;
  /** Only clusters with this spec.operatorName (the seed's --filter-operator-name); all when undefined. */
  operatorName?: string;
  recordEvent(resource: ResourceRef, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void>;
  /** Puts a key back on the queue (used when a watched run closes). */
  enqueue(key: string): void;
  metrics: ControllerMetrics;
  log: Logger;
  /** Fault injection for tests: called between the status patch and the flow start. */
  afterStatusPatch?: () => void;
}

export type ReconcileResult = { requeueAfterMs?: number } | void;

/** Raised when a conditional write lost a race: the key is simply reconciled again. */
class Conflict extends Error {}

const validCondition = 'InputValid';
export const resourceType = 'MPDCluster';

/** One reconcile of one MPDCluster: the seed's DoStateMainEnter and CheckRecovery, on Temporal. */
export class Reconciler {
  private readonly watchedRuns = new Map<string, string>();
  /** Aborts the long polls of watched runs when the controller stops. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const resource: ResourceRef = { resourceType, namespace, name };
    const log = this.deps.log.child({ cluster: key });
    let cluster: MPDCluster;
    try {
      cluster = await this.deps.clusters.get({ namespace, name });
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      // The cluster is gone: its running flow has nothing left to act on.
      await this.signalCancel(resource, 'cluster deleted', log);
      return;
    }
    if (this.deps.operatorName && cluster.spec.operatorName !== this.deps.operatorName) return;
    try {
      return await this.reconcileCluster(cluster, resource, log);
    } catch (error) {
      if (error instanceof Conflict || apiStatus(error) === 409) {
        log.debug('conflicting write; reconciling again');
        return { requeueAfterMs: 0 };
      }
      throw error;
    }
  }

  private async reconcileCluster(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const sm = this.deps.operator.stateMachine;
    const annotations = cluster.metadata.annotations ?? {};
    if (cluster.metadata.deletionTimestamp) return this.reconcileDeletion(cluster, resource, log);

    if (annotations[cancelledAnnotation] === 'true' && isOpen(await latestRun(this.deps.temporal, resource))) {
      await this.signalCancel(resource, 'annotation cancelled=true', log);
      return;
    }

    const state = sm.normalize(cluster.status?.clusterStatus);
    if (!sm.isRegistered(state)) {
      return this.reportBadInput(cluster, resource, 'UnknownState', `status.clusterStatus "${state}" is not a state of this operator; known: ${sm.states().join(', ')}`);
    }
    const problem = this.deps.operator.validate?.(cluster);
    if (problem) return this.reportBadInput(cluster, resource, 'InvalidSpec', problem);
    await this.clearBadInput(cluster, resource, ['UnknownState', 'InvalidSpec']);

    if (state === States.interrupt && this.recoveryRequested(annotations)) return this.recover(cluster, resource, log);

    if (sm.isStable(state)) {
      const outcome = await sm.check(state, cluster);
      if (outcome.kind === 'ignored') {
        log.info({ event: outcome.event.name }, 'ignored event');
        return;
      }
      if (outcome.kind === 'error') {
        await this.reportBadInput(cluster, resource, 'CheckerFailed', `transition check failed: ${errorText(outcome.error)}`);
        throw outcome.error;
      }
      await this.clearBadInput(cluster, resource, ['CheckerFailed']);
      if (outcome.kind === 'none') return;
      const { transition, event } = outcome;
      const patched = await this.deps.clusters.patchStatus(resource, { clusterStatus: transition.to }, cluster.metadata.resourceVersion);
      this.deps.metrics.transitions.inc({ from: state, to: transition.to });
      log.info({ from: state, to: transition.to, event: event.name }, `set cluster status from ${state} to ${transition.to}`);
      this.deps.afterStatusPatch?.();
      // From here a failure (Temporal down, say) is retried by the unstable state's reconcile: the transition is kept.
      return this.startStateFlow(patched, resource, transition, event, log);
    }

    const entry = sm.entryOf(state)!;
    const run = await latestRun(this.deps.temporal, resource);
    if (isOpen(run)) {
      if (run.workflowType === entry.flowName || !entry.options.ignoreUnCompleted) {
        // The seed's rule: an unfinished flow (even another one) finishes before a new one starts.
        this.watchRun(resource, run);
        return;
      }
      log.info({ superseded: run.workflowType, flow: entry.flowName }, 'terminating an unfinished flow that this state replaces');
      await this.deps.temporal.workflow.getHandle(flowWorkflowId(resource)).terminate(`superseded by ${entry.flowName}`);
    }
    const event = await entry.checker(cluster);
    if (!event) {
      // The seed's "check event is nil, so set status to running": the operation is done or obsolete.
      await this.deps.clusters.patchStatus(resource, { clusterStatus: States.running }, cluster.metadata.resourceVersion);
      this.deps.metrics.transitions.inc({ from: state, to: States.running });
      return;
    }
    return this.startStateFlow(cluster, resource, entry, event, log);
  }

  /** Starts the flow of the state just entered (or attaches to the open run, which then finishes first). */
  private async startStateFlow(
    cluster: MPDCluster,
    resource: ResourceRef,
    transition: Transition<MPDCluster>,
    event: StateEvent,
    log: Logger,
  ): Promise<ReconcileResult> {
    const flow = this.deps.flows.get(transition.flowName);
    if (!flow) {
      return this.reportBadInput(cluster, resource, 'UnknownFlow', `state ${transition.to} runs flow ${transition.flowName}, which no flow file defines`);
    }
    if (transition.options.ignoreUnCompleted) {
      const run = await latestRun(this.deps.temporal, resource);
      if (isOpen(run) && run.workflowType !== flow.flowName) {
        await this.deps.temporal.workflow.getHandle(flowWorkflowId(resource)).terminate(`superseded by ${flow.flowName}`);
      }
    }
    const workflow = cluster.status?.workflow;
    const resumeFrom = workflow?.recoverFrom && workflow.flowName === flow.flowName ? workflow.recoverFrom : undefined;
    const handle = await startFlow(this.deps.temporal, this.deps.taskQueue, {
      flow,
      resource,
      params: event.params ?? {},
      state: transition.to,
      ...(resumeFrom ? { resumeFrom } : {}),
    });
    this.deps.metrics.workflowsStarted.inc({ flow: flow.flowName });
    await this.clearBadInput(cluster, resource, ['UnknownFlow']);
    log.info({ flow: flow.flowName, workflowId: handle.workflowId, resumeFrom }, 'flow started (or already running)');
    this.watchRun(resource, { workflowType: flow.flowName, status: 'RUNNING', runId: handle.firstExecutionRunId });
  }

  /** When a run closes, look at the cluster again: the next transition may be due. */
  private watchRun(resource: ResourceRef, run: RunInfo): void {
    const key = `${resource.namespace}/${resource.name}`;
    if (this.watchedRuns.get(key) === run.runId) return;
    this.watchedRuns.set(key, run.runId);
    this.deps.temporal
      .withAbortSignal(this.closing.signal, () => this.deps.temporal.workflow.getHandle(flowWorkflowId(resource)).result())
      .catch(() => undefined)
      .finally(() => {
        if (this.watchedRuns.get(key) === run.runId) this.watchedRuns.delete(key);
        if (!this.closing.signal.aborted) this.deps.enqueue(key);
      });
  }

  /** Stops watching runs; call before closing the Temporal connection. */
  close(): void {
    this.closing.abort();
  }

  private recoveryRequested(annotations: Record<string, string>): boolean {
    const value = annotations[interruptAnnotations.recover];
    return value !== undefined && value !== interruptNotRecovering && Boolean(annotations[interruptAnnotations.previousStatus]);
  }

  /** The seed's CheckRecovery: back to the previous state; its flow resumes at the failed step (or the first). */
  private async recover(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const annotations = cluster.metadata.annotations ?? {};
    const previous = annotations[interruptAnnotations.previousStatus]!;
    const fromFirst = annotations[interruptAnnotations.recover] === 'from-first';
    const workflow = cluster.status?.workflow;
    const flow = workflow?.flowName ? this.deps.flows.get(workflow.flowName) : undefined;
    // Rebuild starts its flow anew, as in the seed.
    const recoverFrom = previous !== States.rebuild && flow && !fromFirst ? (recoveryStartStep(flow, workflow?.failedStep) ?? '') : '';
    const patched = await this.deps.clusters.patchStatus(
      resource,
      { clusterStatus: previous, workflow: { ...(workflow ?? {}), recoverFrom } },
      cluster.metadata.resourceVersion,
    );
    this.deps.metrics.transitions.inc({ from: States.interrupt, to: previous });
    const cleared = Object.fromEntries([...Object.values(interruptAnnotations), cancelledAnnotation].map((k) => [k, null]));
    await this.deps.clusters.patch(resource, { metadata: { annotations: cleared } }, patched.metadata.resourceVersion);
    log.info({ to: previous, recoverFrom }, `recover interrupted flow, update resource status to ${previous}`);
    await this.deps.recordEvent(resource, { type: 'Normal', reason: 'Recovering', message: `back to ${previous}${recoverFrom ? `, resuming at ${recoverFrom}` : ''}` });
  }

  /** Deletion: cancel the running flow, run the release flow, then let the object go. */
  private async reconcileDeletion(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const release = this.deps.operator.releaseFlowName;
    const run = await latestRun(this.deps.temporal, resource);
    if (isOpen(run) && run.workflowType !== release) {
      await this.signalCancel(resource, 'cluster is being deleted', log);
      this.watchRun(resource, run);
      return;
    }
    const finalizers = cluster.metadata.finalizers ?? [];
    if (!finalizers.includes(mpdFinalizer)) return;
    const releaseFlow = release ? this.deps.flows.get(release) : undefined;
    if (releaseFlow) {
      if (isOpen(run)) {
        this.watchRun(resource, run);
        return;
      }
      if (!(run?.workflowType === release && run?.status === 'COMPLETED')) {
        const handle = await startFlow(this.deps.temporal, this.deps.taskQueue, { flow: releaseFlow, resource, state: 'Deleting' });
        this.watchRun(resource, { workflowType: releaseFlow.flowName, status: 'RUNNING', runId: handle.firstExecutionRunId });
        return;
      }
    }
    await this.deps.clusters.patch(resource, { metadata: { finalizers: finalizers.filter((f) => f !== mpdFinalizer) } }, cluster.metadata.resourceVersion);
    log.info('released; finalizer removed');
  }

  private async signalCancel(resource: ResourceRef, reason: string, log: Logger): Promise<void> {
    if (!isOpen(await latestRun(this.deps.temporal, resource))) return;
    await this.deps.temporal.workflow.getHandle(flowWorkflowId(resource)).signal(cancelSignal, reason);
    log.info({ reason }, 'cancel signalled to the running flow');
  }

  /** Bad input is reported once on the cluster (a condition and an Event) and not retried until the object changes. */
  private async reportBadInput(cluster: MPDCluster, resource: ResourceRef, reason: string, message: string): Promise<ReconcileResult> {
    const current = (cluster.status?.conditions ?? []).find((c) => c.type === validCondition);
    if (current?.status === 'False' && current.reason === reason && current.message === message) return;
    await this.deps.clusters.patchStatus(resource, { conditions: withCondition(cluster, { type: validCondition, status: 'False', reason, message }) });
    await this.deps.recordEvent(resource, { type: 'Warning', reason, message });
    this.deps.log.warn({ cluster: `${resource.namespace}/${resource.name}`, reason }, message);
  }

  /** Clears the bad-input condition, but only a reason the caller has just checked is gone (no flapping). */
  private async clearBadInput(cluster: MPDCluster, resource: ResourceRef, reasons: string[]): Promise<void> {
    const current = (cluster.status?.conditions ?? []).find((c) => c.type === validCondition);
    if (!current || current.status === 'True' || !reasons.includes(current.reason ?? '')) return;
    await this.deps.clusters.patchStatus(resource, { conditions: withCondition(cluster, { type: validCondition, status: 'True', reason: 'Valid', message: '' }) });
  }
}

function withCondition(cluster: MPDCluster, condition: Omit<Condition, 'lastTransitionTime'>): Condition[] {
  const others = (cluster.status?.conditions ?? []).filter((c) => c.type !== condition.type);
  return [...others, { ...condition, lastTransitionTime: new Date().toISOString(), observedGeneration: cluster.metadata.generation }];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
