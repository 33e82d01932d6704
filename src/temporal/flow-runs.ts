import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { cancelSignal, failureTypes, flowWorkflowId, parseFlowWorkflowId, transitionWorkflowId, type InterruptOutputs, type ResourceRef } from '../contract/flow-run';
import { scopedSignal } from '../infra/scoped-signal';
import { startFlow, type StartFlowRequest } from './flow-client';
import type { ClosedRunPoller } from './closed-run-poller';

export interface RunInfo {
  workflowId: string;
  workflowType: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW */
  status: string;
  runId: string;
}

export const isOpen = (run: RunInfo | undefined): run is RunInfo & { status: 'RUNNING' } => run?.status === 'RUNNING';

/** The controller's and the CLI's one way to Temporal: find, start, cancel, supersede and read flow runs. */
export class FlowRuns {
  constructor(
    private readonly client: Client,
    /** Where started runs go; only `startOnce` needs it. */
    private readonly taskQueue?: string,
    /** Waits for many runs at once (the controller): one visibility look per tick instead of a long poll per run. */
    private readonly closes?: ClosedRunPoller,
  ) {}

  /** The run of this workflow id, open or closed; undefined when it was never started. */
  async describe(workflowId: string): Promise<RunInfo | undefined> {
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      return { workflowId, workflowType: description.type, status: description.status.name, runId: description.runId };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * The highest transition number any run of this cluster object (its uid) had, 0 for none: where its transitions
   * go on when its record of them was lost. Visibility first, then the ids after it asked directly (visibility lags).
   */
  async highestTransitionId(resource: ResourceRef, uid: string): Promise<number> {
    const prefix = `${flowWorkflowId(resource)}/${uid}/t`;
    let highest = 0;
    for await (const run of this.client.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}"` })) {
      highest = Math.max(highest, parseFlowWorkflowId(run.workflowId).transition ?? 0);
    }
    while (await this.describe(transitionWorkflowId(resource, uid, highest + 1))) highest++;
    return highest;
  }

  /** Starts the run of this id once (or again after a failure): a second start, by anyone, gets the existing run. */
  async startOnce(request: StartFlowRequest & { workflowId: string }): Promise<{ runId: string; started: boolean }> {
    if (!this.taskQueue) throw new Error('FlowRuns needs a task queue to start runs');
    try {
      const handle = await startFlow(this.client, this.taskQueue, { idReuse: 'never', ...request });
      return { runId: handle.firstExecutionRunId, started: true };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const run = await this.describe(request.workflowId);
      return { runId: run?.runId ?? '', started: false };
    }
  }

  /** Asks a running flow to stop: the running step is cancelled, the resource goes to Interrupt. */
  async signalCancel(workflowId: string, reason: string): Promise<void> {
    await this.client.workflow.getHandle(workflowId).signal(cancelSignal, reason);
  }

  async terminate(workflowId: string, reason: string): Promise<void> {
    await this.client.workflow.getHandle(workflowId).terminate(reason);
  }

  /** Resolves when the run closes, however it ends (true), or when waiting failed or was aborted (false: it may be open). */
  async awaitClose(workflowId: string, signal: AbortSignal, seenOpen = false, closingNow = false): Promise<boolean> {
    // A run that is only closing is waited for directly: its long poll returns with the close, within milliseconds.
    if (this.closes && !closingNow) return this.closes.awaitClose(workflowId, signal, seenOpen);
    const closed = await this.longPollClose(workflowId, signal);
    // Known closed now: the visibility looks stop waiting for it (short runs then cost no look at all).
    if (closed) this.closes?.noticeClosed(workflowId);
    return closed;
  }

  private async longPollClose(workflowId: string, signal: AbortSignal): Promise<boolean> {
    // The caller's signal is shared by every wait: each wait listens on it only while it lasts.
    const scope = scopedSignal(signal);
    try {
      await this.client.withAbortSignal(scope.signal, () => this.client.workflow.getHandle(workflowId).result());
      return true;
    } catch (error) {
      // A run that failed, was cancelled, terminated or timed out is closed too; anything else says nothing.
      return error instanceof WorkflowFailedError;
    } finally {
      scope.release();
    }
  }

  /** Why a closed run did not complete, as Temporal says it (the innermost cause's message). */
  async failureMessage(workflowId: string): Promise<string> {
    try {
      await this.client.workflow.getHandle(workflowId).result();
      return 'completed';
    } catch (error) {
      let cause: unknown = error;
      while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
      return cause instanceof Error ? cause.message : String(cause);
    }
  }

  /** The step outputs an interrupted run handed on (its failure's second detail); empty when there are none. */
  async interruptOutputs(workflowId: string): Promise<Record<string, unknown>> {
    try {
      await this.client.workflow.getHandle(workflowId).result();
    } catch (error) {
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === failureTypes.flowInterrupted) {
        return ((cause.details?.[1] as InterruptOutputs | undefined)?.outputs ?? {}) as Record<string, unknown>;
      }
    }
    return {};
  }
}
