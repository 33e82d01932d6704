/**
 * A failed release flow is tried again with backoff, an Event for each failure, and a limit: after the last attempt
 * the cluster stays (finalizer kept) until someone fixes the cause and asks again with an annotation. Pure: the
 * deletion reconcile applies what it decides.
 */
import type { ClusterEvent } from '../kube/cluster-events';
import type { ReleaseStatus } from '../kube/mpdcluster-schema';

/** Set to a new value (any) to try a release that gave up again. */
export const retryReleaseAnnotation = 'mpdflow.io/retry-release';
export const releaseAttempts = 5;
const firstBackoffMs = 2_000;
const longestBackoffMs = 5 * 60_000;

export const releaseBackoffMs = (failures: number) => Math.min(firstBackoffMs * 2 ** Math.max(0, failures - 1), longestBackoffMs);

export interface ReleaseRun {
  runId: string;
  status: string;
}

export type ReleaseDecision =
  | { action: 'start'; record?: ReleaseStatus; event?: ClusterEvent }
  | { action: 'wait'; afterMs: number; record?: ReleaseStatus; event?: ClusterEvent }
  | { action: 'gaveUp'; record?: ReleaseStatus; event?: ClusterEvent };

export interface ReleaseFacts {
  recorded: ReleaseStatus | undefined;
  /** The last run of the release workflow id, closed and not completed (undefined: never started). */
  lastRun: ReleaseRun | undefined;
  /** Why that run failed, as Temporal says it. */
  failure: () => Promise<string>;
  retryAsked: string | undefined;
  clusterName: string;
  now: Date;
}

export async function decideRelease(facts: ReleaseFacts): Promise<ReleaseDecision> {
  const { recorded, lastRun, now } = facts;
  if (!lastRun) return { action: 'start' };
  if (lastRun.runId !== recorded?.lastFailedRunId) {
    const failures = (recorded?.failures ?? 0) + 1;
    const message = (await facts.failure()).slice(0, 300);
    const record: ReleaseStatus = { ...recorded, failures, lastFailedRunId: lastRun.runId, lastError: message };
    if (failures >= releaseAttempts) {
      const ask = `kubectl annotate mpdcluster ${facts.clusterName} ${retryReleaseAnnotation}=$(date +%s) --overwrite`;
      const event: ClusterEvent = { type: 'Warning', reason: 'ReleaseFailed', message: `release failed ${failures} times (${lastRun.status}): ${message}; not tried again until asked: ${ask}` };
      return { action: 'gaveUp', record: { ...record, nextAttemptAt: undefined }, event };
    }
    const afterMs = releaseBackoffMs(failures);
    const nextAttemptAt = new Date(now.getTime() + afterMs).toISOString();
    const event: ClusterEvent = { type: 'Warning', reason: 'ReleaseFailed', message: `release failed (${lastRun.status}, attempt ${failures} of ${releaseAttempts}): ${message}; next attempt at ${nextAttemptAt}` };
    return { action: 'wait', afterMs, record: { ...record, nextAttemptAt }, event };
  }
  if (facts.retryAsked !== undefined && facts.retryAsked !== recorded.retriedWith) {
    return { action: 'start', record: { ...recorded, failures: 0, retriedWith: facts.retryAsked, nextAttemptAt: undefined } };
  }
  if ((recorded.failures ?? 0) >= releaseAttempts) return { action: 'gaveUp' };
  const waitMs = recorded.nextAttemptAt ? Date.parse(recorded.nextAttemptAt) - now.getTime() : 0;
  return waitMs > 0 ? { action: 'wait', afterMs: waitMs } : { action: 'start' };
}
