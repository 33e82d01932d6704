import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { failureTypes } from '../src/contract/flow-run';

/** How long a waiting step sleeps when it did not say. */
const defaultWaitMs = 5_000;

/** The failure that crossed from a step, classified. */
export type StepFailure =
  | { kind: 'waiting'; retryAfterMs: number }
  | { kind: 'interrupt'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'exhausted'; message: string; retryState?: string };

export function classifyStepFailure(error: unknown): StepFailure {
  if (isCancellation(error)) return { kind: 'cancelled' };
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { code?: string; retryAfterMs?: number };
    if (cause.type === failureTypes.waiting) return { kind: 'waiting', retryAfterMs: details.retryAfterMs ?? defaultWaitMs };
    if (cause.type === failureTypes.interrupt) return { kind: 'interrupt', code: details.code ?? 'INTERRUPTED', message: cause.message };
  }
  const retryState = error instanceof ActivityFailure ? String(error.retryState) : undefined;
  return { kind: 'exhausted', message: cause instanceof Error ? cause.message : String(cause), ...(retryState ? { retryState } : {}) };
}

/** What the retry policy did, as Temporal reports it: a count only when the attempts really ran out. */
export function howItFailed(retryState: string | undefined, maximumAttempts: number): string {
  if (retryState === 'NON_RETRYABLE_FAILURE') return 'failed with an error that is not retried';
  if (retryState === 'TIMEOUT') return 'ran out of time';
  return `failed ${maximumAttempts} times`;
}
