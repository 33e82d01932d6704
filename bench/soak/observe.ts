/** Reading the clusters: which are quiet (stable, their last run closed), and which pending requests have ended. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { resumeUpdate } from '../../src/contract/holds';
import { interruptAnnotations } from '../../src/kube/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { Ledger, PendingRequest } from './ledger';
import { answerApprovals } from './approvals';
import { doneAlready } from './done-already';

export const stableStates = new Set(['Running', 'Interrupt']);
/** A trigger gone this long with no new run means the request ran nothing. */
const noRunGraceMs = 8_000;

/** Whether the run named on status.workflow has closed; false while Temporal cannot say. */
export async function lastRunClosed(temporal: Client, cluster: MPDCluster): Promise<boolean> {
  const wf = cluster.status?.workflow;
  if (!wf?.workflowId) return cluster.status?.clusterStatus === 'Running';
  try {
    const description = await temporal.workflow.getHandle(wf.workflowId, wf.runId || undefined).describe();
    return description.status.name !== 'RUNNING';
  } catch (error) {
    // A transition cancelled before its run started has no run at all: nothing is running.
    return error instanceof WorkflowNotFoundError;
  }
}

export async function isQuiet(temporal: Client, cluster: MPDCluster | undefined): Promise<boolean> {
  if (!cluster || cluster.metadata.deletionTimestamp) return false;
  return stableStates.has(cluster.status?.clusterStatus ?? '') && (await lastRunClosed(temporal, cluster));
}

/** The run a request ended with, as the cluster names it: for the log (and `status.transition` once it exists). */
function ranAs(cluster: MPDCluster | undefined): Record<string, unknown> {
  const wf = cluster?.status?.workflow;
  const transition = (cluster?.status as Record<string, unknown> | undefined)?.transition;
  return { ...(wf ? { flow: wf.flowName, workflowId: wf.workflowId, runId: wf.runId } : {}), ...(transition ? { transition } : {}) };
}

/** How long a paused run stays paused before the harness resumes it. */
const pauseMs = 3_000;

/** `mpdflow resume` of a run the soak paused, a few seconds on; tried again until it answers or the run has closed. */
async function resumeIfPaused(ledger: Ledger, pending: PendingRequest, cluster: MPDCluster | undefined, temporal: Client): Promise<void> {
  if (pending.pausedAtMs === undefined || pending.resumed || ledger.elapsedMs() - pending.pausedAtMs < pauseMs) return;
  const workflowId = cluster?.status?.transition?.workflowId;
  try {
    if (workflowId) await temporal.workflow.getHandle(workflowId).executeUpdate(resumeUpdate, { args: ['soak resumes'] });
    pending.resumed = true;
  } catch (error) {
    // Refused because nothing is paused (the pause landed as the run ended), or the run closed: nothing to resume.
    if (error instanceof WorkflowUpdateFailedError || /already completed|not found/i.test(String(error))) pending.resumed = true;
  }
}

/** Ends the pending requests whose flow has run (or that ran nothing, or ran out of time). */
export async function settlePending(ledger: Ledger, byName: Map<string, MPDCluster>, temporal: Client, opTimeoutMs: number): Promise<void> {
  await answerApprovals(ledger, byName, temporal);
  const now = Date.now();
  for (const track of ledger.tracks.values()) {
    const pending = track.pending;
    if (!pending) continue;
    const cluster = byName.get(track.name);
    await resumeIfPaused(ledger, pending, cluster, temporal);
    if (pending.kind === 'delete' && !cluster) {
      ledger.finish(track.name, 'ran', 'gone');
      continue;
    }
    const quiet = await isQuiet(temporal, cluster);
    const state = cluster?.status?.clusterStatus;
    const reason = cluster?.metadata.annotations?.[interruptAnnotations.reason];
    const message = cluster?.metadata.annotations?.[interruptAnnotations.message];
    const observed = { ...ranAs(cluster), ...(state === 'Interrupt' && message ? { interruptMessage: message.slice(0, 160) } : {}) };
    // A rewritten request ends once the rewrite is consumed too: its own run comes after the first one.
    if (quiet && cluster?.status?.workflow?.runId !== pending.runIdBefore && (pending.rewritten?.(cluster) ?? true)) {
      ledger.finish(track.name, 'ran', state, reason, observed);
      continue;
    }
    const consumed = pending.consumed?.(cluster) ?? true;
    if (quiet && consumed) {
      pending.consumedSinceMs ??= now;
      if (now - pending.consumedSinceMs > noRunGraceMs) {
        pending.doneAlready = doneAlready(pending, cluster);
        ledger.finish(track.name, 'no-run', state, reason, { ...observed, ...(pending.doneAlready ? { doneAlready: pending.doneAlready } : {}) });
      }
    } else {
      pending.consumedSinceMs = undefined;
    }
    if (track.pending && now - Date.parse(pending.time) > opTimeoutMs) ledger.finish(track.name, 'timeout', state, reason, observed);
  }
}
