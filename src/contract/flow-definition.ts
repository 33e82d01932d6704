/**
 * A compiled flow: what the YAML in flows/ turns into, and what a workflow run is started with.
 * The whole definition travels in the run's input, so editing YAML never changes a running history.
 */
export interface CompiledRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface CompiledStep {
  stepName: string;
  className: string;
  retry: CompiledRetry;
  /** Start-to-close timeout of one attempt. */
  timeoutMs: number;
  heartbeatMs: number;
  /** Wait for approval before this step (the approve Update); set only when declared, so older hashes stay. */
  approval?: true;
}

export interface CompiledFlow {
  flowName: string;
  recoverFromFirstStep: boolean;
  steps: CompiledStep[];
  /** The YAML file it came from, relative to the flows directory. */
  source: string;
  /** Content hash of the compiled definition: the same YAML gives the same hash. */
  hash: string;
}

/** The seed's MANY_RETRY: the first execution plus 10 retries. */
export const defaultRetry: CompiledRetry = {
  maximumAttempts: 11,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
};
export const defaultStepTimeoutMs = 10 * 60_000;
/** The runtime heartbeats every second: a step of a killed worker is retried within this, yet a busy event loop is not mistaken for one. */
export const defaultHeartbeatMs = 10_000;
