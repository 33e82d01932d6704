/**
 * Recover (the seed's CheckRecovery): an Interrupt cluster whose `interrupt.recover` says so goes back to its previous
 * state, and the same transition runs again under a new id (`-r<k>`) from its failed step (or the first).
 */
import type { Logger } from 'pino';
import { transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { recoveryStartStep } from '../flows/recovery';
import { cancelledAnnotation, interruptAnnotations, interruptNotRecovering } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import { cancelConsumedParams } from '../kube/consumed-trigger';
import type { MPDCluster } from '../kube/mpdcluster';
import type { TransitionStatus } from '../kube/mpdcluster-schema';
import { fenced, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import { newTransition, writeState, writeTransition } from './transition-record';

const interruptKeys = Object.values(interruptAnnotations);

/** The merge patch that removes the interrupt annotations and any cancel request. */
function clearedAnnotations(): Record<string, null> {
  return Object.fromEntries([...interruptKeys, cancelledAnnotation].map((k) => [k, null]));
}

export function recoveryRequested(annotations: Record<string, string>): boolean {
  const value = annotations[interruptAnnotations.recover];
  return value !== undefined && value !== interruptNotRecovering && Boolean(annotations[interruptAnnotations.previousStatus]);
}

/** Whether the cluster still carries an interrupt (or recovery) annotation. */
export function carriesInterrupt(annotations: Record<string, string>): boolean {
  return interruptKeys.some((key) => annotations[key] !== undefined);
}

/** Recovery's second half (or a transition from Interrupt): the interrupt is history before the run starts. */
export async function clearInterruptBeforeRun(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef): Promise<void> {
  fenced(deps);
  await deps.clusters.patch(resource, { metadata: { annotations: clearedAnnotations() } }, cluster.metadata.resourceVersion);
}

/**
 * Back to the previous state with the transition's new run recorded. The interrupt annotations go in the next write;
 * until then the unstable state's reconcile clears them before anything starts. A cancel written once the recovery has
 * begun is a request for the resumed run (an earlier one was consumed while the cluster was Interrupt). The transition
 * is resumed from status.transition, never from its checker; the trigger a cancel consumed rides in its params.
 */
export async function recover(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
  const annotations = cluster.metadata.annotations ?? {};
  const previous = annotations[interruptAnnotations.previousStatus]!;
  const fromFirst = annotations[interruptAnnotations.recover] === 'from-first';
  const sm = deps.operator.stateMachine;
  const current = cluster.status?.transition;
  let record: TransitionStatus | undefined;
  if (!sm.isStable(previous)) {
    const startStep = (flowName: string) => {
      const flow = deps.operator.flows.get(flowName);
      // Rebuild starts its flow anew, as in the seed.
      return previous !== States.rebuild && flow && !fromFirst ? (recoveryStartStep(flow, cluster.status?.workflow?.failedStep) ?? '') : '';
    };
    if (current && current.to === previous) {
      const resumes = (current.resumes ?? 0) + 1;
      const workflowId = transitionWorkflowId(resource, cluster.metadata.uid ?? '', current.id, resumes);
      const params = { ...cancelConsumedParams(cluster, annotations[interruptAnnotations.reason]), ...current.params };
      record = { ...current, params, resumes, resumeFrom: startStep(current.flowName), workflowId, writtenAt: new Date().toISOString() };
    } else {
      // Interrupted before its transition was recorded (an older mpdflow, or by hand): the state's flow as its entry says.
      const entry = sm.entryOf(previous);
      const event = entry ? await entry.checker(cluster) : undefined;
      if (entry) record = { ...newTransition(cluster, resource, States.interrupt, previous, entry.flowName, event ?? { name: 'Recover' }, 0), resumeFrom: startStep(entry.flowName) };
    }
  }
  const { patched, fencedAt } = record
    ? await writeTransition(deps, cluster, resource, { clusterStatus: previous }, record)
    : await writeState(deps, cluster, resource, previous);
  const resumeFrom = record?.resumeFrom ?? '';
  log.info({ to: previous, resumeFrom, workflowId: record?.workflowId, fencedAt }, `recover interrupted flow, update resource status to ${previous}`);
  await deps.clusters.patch(resource, { metadata: { annotations: clearedAnnotations() } }, patched.metadata.resourceVersion).catch((error: unknown) => {
    if (apiStatus(error) !== 409) throw error; // the next reconcile clears them before the run starts
  });
  await deps.recordEvent(resource, { type: 'Normal', reason: 'Recovering', message: `back to ${previous}${resumeFrom ? `, resuming at ${resumeFrom}` : ''}` });
}
