import type { Logger } from 'pino';
import type { ResourceRef } from '../contract/flow-run';

/** What a step sees while it runs: the seed's step context, typed. */
export interface StepContext<Services = unknown> {
  resource: ResourceRef;
  flowName: string;
  stepName: string;
  /** The run this step belongs to: a token that tells this run's effects from an earlier run's. */
  workflowId: string;
  runId: string;
  /** Same for every run of one transition (a resumed run keeps it): a token for idempotent effects. */
  transitionKey: string;
  /** 1-based; attempts after the first are Temporal retries. */
  attempt: number;
  /** The event params the flow was started with. */
  params: Readonly<Record<string, unknown>>;
  /** Params plus the outputs of every earlier step, later keys winning. */
  values: Readonly<Record<string, unknown>>;
  /** The state the resource is in while the flow runs. */
  state: string | undefined;
  /** Aborted when the flow is cancelled: long steps stop at the next check. */
  signal: AbortSignal;
  /** Report liveness (the runtime also heartbeats every second on its own). */
  heartbeat(details?: unknown): void;
  log: Logger;
  /** What the operator wired into its worker: Kubernetes clients and the like. */
  services: Services;
}

/**
 * The TypeScript counterpart of the seed's StepAction (Init / DoStep / Output).
 * A fresh instance runs each attempt, so fields set in init() are safe to use in doStep() and output().
 * Steps must be idempotent: Temporal runs each at least once, a retry or a worker crash runs it again.
 */
export interface StepAction<Services = unknown> {
  init?(context: StepContext<Services>): Promise<void> | void;
  doStep(context: StepContext<Services>): Promise<void>;
  output?(context: StepContext<Services>): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export type StepFactory<Services = unknown> = () => StepAction<Services>;

/** The seed's WaitingError: try this step again later, without counting a failure. */
export class WaitingError extends Error {
  constructor(
    message = 'waiting for resources to be ready',
    readonly retryAfterMs = 5_000,
  ) {
    super(message);
    this.name = 'WaitingError';
  }
}

/** The seed's InterruptError: stop the flow now, no retry; the resource goes to Interrupt with this code. */
export class InterruptError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InterruptError';
  }
}
