import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ClockOffset } from './clock-offset';

export interface ClosedRunPollerOptions {
  /** Only runs of this task queue are listed (the controller's flows). */
  taskQueue?: string;
  /** How often the runs closed since the last look are listed while any run is waited for. */
  intervalMs?: number;
  /** Each look reaches this far behind the previous one: a close that visibility indexed late is still seen. */
  overlapMs?: number;
  /** Every so often a look reaches back to the oldest wait instead (bounded by maxLookBackMs): nothing is missed for good. */
  catchUpEveryMs?: number;
  maxLookBackMs?: number;
  /** This machine's clock (tests set a skewed one). */
  now?: () => number;
  log?: Logger;
}

/** A close this near the start of a wait (on Temporal's clock, as far as it is known) is confirmed by a describe. */
const unsureMarginMs = 1_000;

interface Waiter {
  resolve(closed: boolean): void;
  /** When the wait began: the run closed no earlier. */
  since: number;
  /** A look that began after this wait was registered has succeeded: later looks need not reach back to `since`. */
  covered: boolean;
}

/**
 * Notices when runs close, for a controller waiting on many at once: one visibility query per tick for the runs that
 * closed since the last, instead of one long poll per open run. A long poll holds a call per run and is woken by every
 * event of its run's history (measured with 1,000 flows at once: Temporal CPU and the controller's memory).
 * The price: a close is noticed up to a tick (plus visibility's indexing delay) later.
 */
export class ClosedRunPoller {
  private readonly waiters = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  /** When the last successful look started: the next one lists closes from there (less the overlap). */
  private lastLook: number | undefined;
  private lastCatchUp: number;
  private readonly now: () => number;
  /** Close times are Temporal's: every window and comparison is moved onto its clock (a skewed machine misses nothing). */
  private readonly clock: ClockOffset;

  constructor(
    private readonly client: Client,
    private readonly options: ClosedRunPollerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.lastCatchUp = this.now();
    this.clock = new ClockOffset(this.now);
  }

  /**
   * Resolves true when the run closes, false when the wait is aborted or the run does not exist. `seenOpen`: the caller
   * saw it open just now (described or started it); otherwise it is described first, since a run that closed before
   * the wait began is in no later look.
   */
  async awaitClose(workflowId: string, signal: AbortSignal, seenOpen = false): Promise<boolean> {
    if (signal.aborted) return false;
    const since = this.now();
    if (!seenOpen) {
      // Unknown (not found, or Temporal unreachable) says nothing: the caller looks at the run again.
      const status = await this.statusOf(workflowId).catch(() => undefined);
      if (status === undefined) return false;
      if (status !== 'RUNNING') return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        since,
        covered: false,
        resolve: (closed) => {
          signal.removeEventListener('abort', onAbort);
          resolve(closed);
        },
      };
      const onAbort = () => {
        this.remove(workflowId, waiter);
        waiter.resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(workflowId, [...(this.waiters.get(workflowId) ?? []), waiter]);
      this.schedule();
    });
  }

  /** Runs waited for (tests, metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Looks that succeeded so far (tests wait on it instead of on time). */
  looks = 0;

  private async statusOf(workflowId: string): Promise<string | undefined> {
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      this.clock.observe(description.closeTime ?? description.startTime);
      return description.status.name;
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') return undefined;
      throw error;
    }
  }

  private remove(workflowId: string, waiter: Waiter): void {
    const left = (this.waiters.get(workflowId) ?? []).filter((w) => w !== waiter);
    if (left.length > 0) this.waiters.set(workflowId, left);
    else this.waiters.delete(workflowId);
  }

  /** A close learnt another way (a direct wait): its waits end now, and no look runs for it any more. */
  noticeClosed(workflowId: string): void {
    this.closed(workflowId);
  }

  private closed(workflowId: string): void {
    const waiting = this.waiters.get(workflowId) ?? [];
    this.waiters.delete(workflowId);
    for (const waiter of waiting) waiter.resolve(true);
  }

  private schedule(): void {
    if (this.timer || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      void this.look().finally(() => {
        this.timer = undefined;
        this.schedule();
      });
    }, this.options.intervalMs ?? 1_000);
  }

  /** One look: every run closed since the last look (less the overlap), matched against the runs waited for. */
  private async look(): Promise<void> {
    const started = this.now();
    const present = [...this.waiters.values()].flat();
    const overlap = this.options.overlapMs ?? 10_000;
    const catchUp = started - this.lastCatchUp >= (this.options.catchUpEveryMs ?? 300_000);
    const uncovered = present.filter((w) => catchUp || !w.covered).map((w) => w.since);
    const offset = this.clock.upperBound();
    const lookBack = started - (this.options.maxLookBackMs ?? 3_600_000);
    // Until Temporal has stamped a time we saw, the skew is unknown: the look reaches back as far as it may.
    const from = offset === undefined ? lookBack : Math.max(Math.min(this.lastLook ?? started, ...uncovered) - overlap, lookBack) - offset;
    const taskQueue = this.options.taskQueue ? ` AND TaskQueue = "${this.options.taskQueue}"` : '';
    try {
      const runs: Array<{ workflowId: string; closeTime?: Date | undefined }> = [];
      for await (const run of this.client.workflow.list({ query: `ExecutionStatus != "Running" AND CloseTime >= "${new Date(from).toISOString()}"${taskQueue}` })) {
        runs.push({ workflowId: run.workflowId, closeTime: run.closeTime });
      }
      for (const run of runs) this.clock.observe(run.closeTime);
      const bound = this.clock.upperBound();
      /** Closed before (or about when) a wait on the same id began: an earlier run of the id (a release flow may run again), or this one. */
      const unsure = new Set<string>();
      for (const run of runs) {
        const waiting = this.waiters.get(run.workflowId);
        if (!waiting) continue;
        const closedAt = run.closeTime?.getTime();
        // A wait's start on Temporal's clock is at least (since − bound); a close within the bound's slack of it is described.
        if (closedAt === undefined || bound === undefined || waiting.some((w) => closedAt < w.since - bound + unsureMarginMs)) unsure.add(run.workflowId);
        else this.closed(run.workflowId);
      }
      for (const workflowId of unsure) {
        const status = await this.statusOf(workflowId);
        if (status !== undefined && status !== 'RUNNING') this.closed(workflowId);
      }
      this.lastLook = started;
      this.looks += 1;
      for (const waiter of present) waiter.covered = true;
      if (catchUp) this.lastCatchUp = started;
    } catch (error) {
      // Temporal down or restarting: the next look reaches back to the last one that succeeded.
      this.options.log?.debug({ err: error }, 'listing closed runs failed; looking again');
    }
  }
}
