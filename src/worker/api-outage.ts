/**
 * A step that fails while the Kubernetes API server does not answer (a restart, a flapping control plane) has not
 * failed: nothing it asked was refused. Its attempt waits for the API server and runs the step again (steps are
 * idempotent), so an outage spends none of the step's retries; the step's timeout and a cancel still end the wait.
 * The fault soak's API server restarts (13 to 29 s each, a dozen within four minutes) had used up the 11 attempts of
 * 34 clusters' steps (Interrupt MANY_RETRY) with no step at fault.
 */
import { ApiException, Health, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { sleepUnlessAborted } from '../infra/wait';
import { InterruptError, WaitingError } from '../flows/step';
import { errorText } from '../kube/error-text';

/** Whether the API server answers now. */
export type ApiServerAnswers = () => Promise<boolean>;

const answerTimeoutMs = 3_000;
const pollMs = 1_000;

/** The API server's /readyz (its storage too, not only its process) within 3 s: what a step's next request needs. */
export function apiServerAnswers(config: KubeConfig): ApiServerAnswers {
  const health = new Health(config);
  return () => health.readyz({ signal: AbortSignal.timeout(answerTimeoutMs) }).catch(() => false);
}

/** A failure an outage can explain: not the step's own verdict (wait, interrupt) and not a refusal the API server gave. */
function outageShaped(error: unknown): boolean {
  if (error instanceof WaitingError || error instanceof InterruptError) return false;
  if (error instanceof ApiException) return error.code === 429 || error.code >= 500;
  return true;
}

export interface OutageWait {
  answers: ApiServerAnswers;
  signal: AbortSignal;
  heartbeat(details: unknown): void;
  log: Logger;
}

/** Runs `run`; each failure met while the API server does not answer is waited out and `run` runs again. */
export async function runThroughApiOutages<T>(run: () => Promise<T>, wait: OutageWait): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!outageShaped(error) || wait.signal.aborted || (await wait.answers())) throw error;
      const since = Date.now();
      wait.log.warn({ error: errorText(error) }, 'the API server does not answer: the step runs again once it does (not a failed attempt)');
      while (!(await wait.answers())) {
        if (wait.signal.aborted) throw error;
        wait.heartbeat({ waitingFor: 'the Kubernetes API server' });
        await sleepUnlessAborted(pollMs, wait.signal);
      }
      wait.log.info({ outageMs: Date.now() - since }, 'the API server answers again: running the step again');
    }
  }
}
