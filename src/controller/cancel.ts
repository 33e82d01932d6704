/**
 * Cancel: `cancelled: "true"` is a request for the run of the cluster's current transition, consumed once acted on so
 * that it never reaches a later transition's run; a deleted cluster's running flow is cancelled too.
 */
import type { Logger } from 'pino';
import type { ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { cancelledAnnotation } from '../kube/annotations';
import type { MPDCluster } from '../kube/mpdcluster';
import type { TransitionStatus } from '../kube/mpdcluster-schema';
import { isOpen, type RunInfo } from '../temporal/flow-runs';
import { writeInterrupt } from './interrupt-writer';
import { fenced, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import type { RunWatch } from './run-watch';

export class Cancels {
  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly watch: RunWatch,
  ) {}

  /** `cancelled: "true"` on a cluster in a transition: a request for that transition's run, consumed once acted on. */
  async cancelTransition(cluster: MPDCluster, resource: ResourceRef, transition: TransitionStatus, run: RunInfo | undefined, log: Logger): Promise<ReconcileResult> {
    const fencedAt = fenced(this.deps);
    if (isOpen(run)) {
      await this.deps.runs.signalCancel(run.workflowId, 'annotation cancelled=true');
      log.info({ workflowId: run.workflowId, fencedAt }, 'cancel signalled to the running flow');
    } else if (!run) {
      // Cancelled before its run started: it never will, and a recovery resumes where it would have started. The request
      // goes last, so a failure between these writes leaves it to be acted on again, never a run started (docs/cancel.md).
      const interrupt = { reason: 'CANCELLED', message: 'flow cancelled before it started: annotation cancelled=true', step: transition.resumeFrom ?? '' };
      await writeInterrupt(this.deps.clusters, cluster, resource, transition, interrupt);
      this.deps.metrics.transitions.inc({ from: transition.to, to: States.interrupt });
    }
    return this.consumeCancel(resource, isOpen(run) || !run ? undefined : 'the flow had already ended', log);
  }

  /** Removes the cancel request (unless it was written again meanwhile): it never reaches a later transition's run. */
  async consumeCancel(resource: ResourceRef, ignoredBecause: string | undefined, log: Logger): Promise<ReconcileResult> {
    const fencedAt = fenced(this.deps);
    if (ignoredBecause) {
      // Reported before it goes: a report that fails (the API server in trouble) leaves the request to be acted on and
      // reported again, never consumed unreported.
      log.info({ fencedAt }, `cancel request ignored: ${ignoredBecause}`);
      await this.deps.recordEvent(resource, { type: 'Normal', reason: 'CancelIgnored', message: `cancelled=true removed: ${ignoredBecause}` });
    }
    await this.deps.clusters.removeAnnotationsIfUnchanged(resource, { [cancelledAnnotation]: 'true' });
  }

  /** The cluster is gone: the run this controller waits on has nothing left to act on. */
  async cancelWatchedRun(key: string, reason: string, log: Logger): Promise<void> {
    const workflowId = this.watch.watched(key);
    if (!workflowId || !isOpen(await this.deps.runs.describe(workflowId))) return;
    const fencedAt = fenced(this.deps);
    await this.deps.runs.signalCancel(workflowId, reason);
    log.info({ reason, workflowId, fencedAt }, 'cancel signalled to the running flow');
  }
}
