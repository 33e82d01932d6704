/**
 * Deletion: cancel the running flow, run the operator's release flow once (a failed one again, with backoff and a
 * limit: release-retry.ts), then let the object go (remove the finalizer).
 */
import type { Logger } from 'pino';
import { releaseWorkflowId, type ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { mpdFinalizer } from '../kube/annotations';
import type { MPDCluster } from '../kube/mpdcluster';
import { isOpen } from '../temporal/flow-runs';
import { fenced, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import { decideRelease, retryReleaseAnnotation } from './release-retry';
import type { RunWatch } from './run-watch';

export async function reconcileDeletion(deps: ReconcilerDeps, watch: RunWatch, cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
  const current = cluster.status?.transition;
  const run = current ? await deps.runs.describe(current.workflowId) : undefined;
  if (isOpen(run)) {
    const fencedAt = fenced(deps);
    await deps.runs.signalCancel(run.workflowId, 'cluster is being deleted');
    log.info({ workflowId: run.workflowId, fencedAt }, 'cancel signalled to the running flow: the cluster is being deleted');
    watch.watch(resource, run.workflowId, true);
    return;
  }
  const finalizers = cluster.metadata.finalizers ?? [];
  if (!finalizers.includes(mpdFinalizer)) return;
  const releaseFlow = deps.operator.releaseFlow ? deps.operator.flows.get(deps.operator.releaseFlow) : undefined;
  if (releaseFlow) {
    const workflowId = releaseWorkflowId(resource, cluster.metadata.uid ?? '');
    const release = await deps.runs.describe(workflowId);
    if (isOpen(release)) {
      watch.watch(resource, workflowId, true);
      return;
    }
    if (release?.status !== 'COMPLETED') {
      const decision = await decideRelease({
        recorded: cluster.status?.release,
        lastRun: release,
        failure: () => deps.runs.failureMessage(workflowId),
        retryAsked: cluster.metadata.annotations?.[retryReleaseAnnotation],
        clusterName: resource.name,
        now: new Date(),
      });
      fenced(deps);
      if (decision.record) await deps.clusters.patchStatus(resource, { release: { ...decision.record, nextAttemptAt: decision.record.nextAttemptAt ?? (null as unknown as undefined) } }, cluster.metadata.resourceVersion);
      if (decision.event) await deps.recordEvent(resource, decision.event);
      if (decision.action === 'wait') return { requeueAfterMs: decision.afterMs };
      if (decision.action === 'gaveUp') {
        if (decision.event) log.warn({ workflowId }, decision.event.message);
        return;
      }
      const { started } = await deps.runs.startOnce({ flow: releaseFlow, resource, state: States.deleting, workflowId, idReuse: 'after-failure' });
      watch.watch(resource, workflowId, started);
      return;
    }
  }
  const fencedAt = fenced(deps);
  await deps.clusters.patch(resource, { metadata: { finalizers: finalizers.filter((f) => f !== mpdFinalizer) } }, cluster.metadata.resourceVersion);
  log.info({ fencedAt }, 'released; finalizer removed');
}
