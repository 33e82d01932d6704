/**
 * The runs this controller waits on, by cluster: while one is open its cluster's reconciles ask Temporal nothing, and
 * when it closes the cluster is looked at again (the next transition may be due).
 */
import { setMaxListeners } from 'node:events';
import type { ResourceRef } from '../contract/flow-run';
import type { MPDCluster } from '../kube/mpdcluster';
import type { RunInfo } from '../temporal/flow-runs';
import { clusterKey, type ReconcilerDeps } from './reconcile-deps';

export class RunWatch {
  private readonly watchedRuns = new Map<string, string>();
  /** The last run seen to close, by cluster key: the next transition's start need not ask Temporal about it again. */
  private readonly closedRuns = new Map<string, string>();
  /** Runs seen closing (their outcome on the cluster) whose close is waited for directly. */
  private readonly hurried = new Set<string>();
  /** Aborts the long polls of watched runs when the controller stops. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: Pick<ReconcilerDeps, 'runs' | 'enqueue'>) {
    // One listener per run being watched (each removed when its wait ends): as many as clusters with a running flow.
    setMaxListeners(0, this.closing.signal);
  }

  /** The run this controller waits on for the cluster, if any. */
  watched(key: string): string | undefined {
    return this.watchedRuns.get(key);
  }

  /** The last run of the cluster this controller saw close. */
  lastClosed(key: string): string | undefined {
    return this.closedRuns.get(key);
  }

  /**
   * The run of this workflow id: open without asking Temporal while this controller waits for it to close (every
   * progress write of a running flow reconciles its cluster; none of those needs a call to Temporal), else described.
   */
  async runOf(resource: ResourceRef, workflowId: string): Promise<RunInfo | undefined> {
    if (this.watchedRuns.get(clusterKey(resource)) === workflowId) return { workflowId, workflowType: '', status: 'RUNNING', runId: '' };
    return this.deps.runs.describe(workflowId);
  }

  /**
   * A watched run whose outcome is on the cluster (its completion or interrupt) is only closing: its close is waited
   * for directly, a long poll that returns within milliseconds, rather than at the next visibility look, so the next
   * transition's start finds it closed without asking Temporal (measured: a describe more per trigger otherwise).
   */
  hurryClosing(key: string, cluster: MPDCluster): void {
    const workflowId = this.watchedRuns.get(key);
    const workflow = cluster.status?.workflow;
    if (!workflowId || workflow?.workflowId !== workflowId || (workflow.phase !== 'Completed' && workflow.phase !== 'Interrupted')) return;
    if (this.hurried.has(workflowId)) return;
    this.hurried.add(workflowId);
    void this.deps.runs.awaitClose(workflowId, this.closing.signal, true, true).then((closed) => {
      this.hurried.delete(workflowId);
      if (closed) this.runClosed(key, workflowId);
    });
  }

  /** When a run closes, look at the cluster again: the next transition may be due. */
  watch(resource: ResourceRef, workflowId: string, seenOpen: boolean): void {
    const key = clusterKey(resource);
    if (this.watchedRuns.get(key) === workflowId) return;
    this.watchedRuns.set(key, workflowId);
    void this.deps.runs.awaitClose(workflowId, this.closing.signal, seenOpen).then((closed) => {
      // Already seen closing by hurryClosing: nothing left to do.
      if (this.watchedRuns.get(key) !== workflowId && this.closedRuns.get(key) === workflowId) return;
      if (closed) return this.runClosed(key, workflowId);
      if (this.watchedRuns.get(key) === workflowId) this.watchedRuns.delete(key);
      if (!this.closing.signal.aborted) this.deps.enqueue(key);
    });
  }

  /** Stops watching runs; call before closing the Temporal connection. */
  close(): void {
    this.closing.abort();
  }

  private runClosed(key: string, workflowId: string): void {
    if (this.watchedRuns.get(key) === workflowId) this.watchedRuns.delete(key);
    this.closedRuns.set(key, workflowId);
    if (!this.closing.signal.aborted) this.deps.enqueue(key);
  }
}
