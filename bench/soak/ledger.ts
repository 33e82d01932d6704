/** What the soak asked for, request by request, and what it is still waiting on per cluster. */
import { appendFileSync } from 'node:fs';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { flows, type OperationKind } from './operations';
import { rejectedCode } from '../../src/contract/holds';

export interface RequestRecord {
  seq: number;
  /** Milliseconds since the soak started, and the wall-clock time. */
  atMs: number;
  time: string;
  cluster: string;
  /** The cluster's uid when the request was made (a re-created cluster has a new one). */
  uid?: string;
  /** A user's operation, or the harness's answer to a step waiting for approval (approvals.ts). */
  kind: OperationKind | 'create' | 'approve' | 'reject';
  detail: string;
  expectFlow?: string;
  /** The run id on status.workflow before the request: a different one afterwards is the request's run. */
  runIdBefore?: string;
  outcome?: 'ran' | 'no-run' | 'timeout';
  /** The flow status.workflow named when the request ended. */
  ranFlow?: string;
  /** The transition the cluster recorded when the request ended: the event that fired it and its run's workflow id. */
  ranTransition?: { event: string; workflowId: string };
  endedIn?: string;
  doneAtMs?: number;
  /** Cancelled before its run started: by design it never runs (recorded as Interrupt CANCELLED). */
  cancelledBeforeRun?: boolean;
  /** Ran nothing because it was done already when it could fire (done-already.ts): why. */
  doneAlready?: string;
}

export type PendingRequest = RequestRecord & {
  cancelled?: boolean;
  /** Paused by `mpdflow pause` at this time (ms since the soak started); the harness resumes it (observe.ts). */
  pausedAtMs?: number;
  resumed?: boolean;
  /** Its run's approval gate was rejected (REJECTED is then its expected end, until a recover). */
  rejected?: boolean;
  /** Rewritten while its run ran (a new request of the same kind): pending until that one is consumed too. */
  rewritten?: (cluster: MPDCluster | undefined) => boolean;
  consumedSinceMs?: number;
  /** The operation's own test that its trigger is gone (not logged). */
  consumed?: (cluster: MPDCluster | undefined) => boolean;
};

export interface ClusterTrack {
  name: string;
  gone: boolean;
  pending?: PendingRequest;
  /** A cancel or a rejection was answered and the cluster went to Interrupt: it may stay there until recovered. */
  cancelHold: boolean;
  /** An operation never finished within its bound: no more operations on this cluster. */
  stuck: boolean;
  unexpectedInterrupts: string[];
  /**
   * A Rebuild ended in an Interrupt nobody asked for: its `forceRebuild` stays (the seed's rule, docs/cancel.md), so
   * Interrupt → Rebuild fires again with backoff. Those runs are retries of a failure, not duplicates of a request.
   */
  rebuildFailed: boolean;
}

export class Ledger {
  readonly requests: RequestRecord[] = [];
  /** The workflow ids whose approval gate the harness approved, and those it rejected. */
  readonly approved = new Set<string>();
  readonly rejected = new Set<string>();
  /** Gates answered on a run's first try (not after a recover): approvals.ts rejects some of them. */
  firstGatesAnswered = 0;
  readonly tracks = new Map<string, ClusterTrack>();

  constructor(
    private readonly file: string,
    private readonly startedAt: number,
  ) {}

  track(name: string): ClusterTrack {
    let track = this.tracks.get(name);
    if (!track) this.tracks.set(name, (track = { name, gone: false, cancelHold: false, stuck: false, unexpectedInterrupts: [], rebuildFailed: false }));
    return track;
  }

  /** Logs a request that was just written to the API server (a cancel, a pause or a rewrite rides on the pending one). */
  record(entry: Omit<RequestRecord, 'seq' | 'atMs' | 'time'>, consumed?: PendingRequest['consumed']): RequestRecord {
    const now = Date.now();
    const request: PendingRequest = { seq: this.requests.length + 1, atMs: now - this.startedAt, time: new Date(now).toISOString(), ...entry };
    this.requests.push(request);
    const track = this.track(entry.cluster);
    if (entry.kind === 'cancel') {
      if (track.pending) track.pending.cancelled = true;
    } else if (entry.kind === 'pause') {
      if (track.pending) track.pending.pausedAtMs = now - this.startedAt;
    } else if (entry.kind === 'approve' || entry.kind === 'reject') {
      (entry.kind === 'approve' ? this.approved : this.rejected).add(entry.detail);
      if (track.pending && entry.kind === 'reject') track.pending.rejected = true;
      // A gate met after its request ended (timed out while held): the rejection still answers for the Interrupt.
      else if (entry.kind === 'reject') track.cancelHold = true;
    } else if (entry.kind === 'rewrite') {
      if (track.pending) track.pending.rewritten = consumed ?? (() => true);
    } else {
      track.pending = request;
    }
    appendFileSync(this.file, `${JSON.stringify(request)}\n`);
    if (consumed) Object.defineProperty(request, 'consumed', { value: consumed, enumerable: false });
    return request;
  }

  /** The pending request of `name` ended (ran, ran nothing, or timed out), in state `endedIn`. */
  finish(name: string, outcome: NonNullable<RequestRecord['outcome']>, endedIn: string | undefined, interruptReason?: string, observed: Record<string, unknown> = {}): void {
    const track = this.track(name);
    const pending = track.pending;
    if (!pending) return;
    pending.outcome = outcome;
    pending.endedIn = endedIn;
    pending.doneAtMs = Date.now() - this.startedAt;
    if (typeof observed.flow === 'string') pending.ranFlow = observed.flow;
    // A migrate moves the RW or an RO by the instance's role when it fires: a failover in between makes the other
    // flow the one asked for (the soak saw a switch undone by a failover 40 s later, then MigrateRo).
    const migrations: string[] = [flows.migrateRw, flows.migrateRo];
    if (pending.kind === 'migrate' && pending.ranFlow && migrations.includes(pending.ranFlow) && migrations.includes(pending.expectFlow ?? '')) pending.expectFlow = pending.ranFlow;
    const transition = observed.transition as { event?: string; workflowId?: string } | undefined;
    if (transition?.workflowId) pending.ranTransition = { event: transition.event ?? '', workflowId: transition.workflowId };
    track.pending = undefined;
    if (pending.kind === 'delete' && outcome === 'ran') track.gone = true;
    if (pending.kind === 'recreate') track.gone = false;
    if (pending.kind === 'recover' || pending.kind === 'delete') track.cancelHold = false;
    if (outcome === 'timeout' && !(pending.cancelled && interruptReason === 'CANCELLED')) track.stuck = true;
    // A cancel that lands after its request's bound (the run ends at its next check): it still answers for its Interrupt.
    if (outcome === 'timeout' && pending.cancelled && endedIn !== 'Interrupt') track.cancelHold = true;
    if (pending.cancelled && endedIn === 'Interrupt' && interruptReason === 'CANCELLED' && observed.runId === undefined) pending.cancelledBeforeRun = true;
    if (endedIn === 'Interrupt') {
      // Only the interrupt a cancel or a rejection asked for is expected; MANY_RETRY after one is still a fault getting through.
      if ((pending.cancelled && interruptReason === 'CANCELLED') || (pending.rejected && interruptReason === rejectedCode)) track.cancelHold = true;
      else {
        if ((pending.ranFlow ?? pending.expectFlow) === flows.rebuild) track.rebuildFailed = true;
        track.unexpectedInterrupts.push(`#${pending.seq} ${pending.kind}: ${interruptReason ?? 'no reason'}${pending.cancelled ? ' (a cancel was requested)' : ''}${typeof observed.interruptMessage === 'string' ? ` — ${observed.interruptMessage}` : ''}`);
      }
    }
    appendFileSync(this.file, `${JSON.stringify({ done: pending.seq, cluster: name, outcome, endedIn, interruptReason, doneAtMs: pending.doneAtMs, ...observed })}\n`);
  }

  /** Milliseconds since the soak started. */
  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  pendingCount(): number {
    return [...this.tracks.values()].filter((t) => t.pending).length;
  }

  /** The flows each cluster should have run, by flow, over all its incarnations. */
  expectedFlows(name: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) {
      if (r.cluster !== name || !r.expectFlow) continue;
      counts.set(r.expectFlow, (counts.get(r.expectFlow) ?? 0) + (r.cancelledBeforeRun || r.doneAlready ? 0 : 1));
    }
    return counts;
  }

  countsByKind(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    return counts;
  }
}
