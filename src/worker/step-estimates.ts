import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { learnStepDurations, type StepDurations } from '../temporal/step-durations';

/**
 * The usual step durations of each flow, in this worker's memory, learnt from Temporal (the results of completed
 * runs: see step-durations.ts). Never awaited on a step's path: a read returns what is known and, when that is older
 * than `ttlMs`, refreshes it in the background. A worker restart costs one Temporal list per flow, nothing else.
 */
export class StepEstimates {
  private readonly known = new Map<string, { durations: StepDurations; at: number }>();
  private readonly refreshing = new Map<string, Promise<StepDurations>>();

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  /** What is known now (undefined before the first refresh ends). */
  get(flowName: string): StepDurations | undefined {
    const entry = this.known.get(flowName);
    if (!entry || Date.now() - entry.at > this.ttlMs) void this.refresh(flowName).catch((error: unknown) => this.log.warn({ err: error, flow: flowName }, 'learning step durations failed'));
    return entry?.durations;
  }

  /** Learn again from Temporal (one refresh per flow at a time). */
  refresh(flowName: string): Promise<StepDurations> {
    const running = this.refreshing.get(flowName);
    if (running) return running;
    const refresh = learnStepDurations(this.client, flowName)
      .then((durations) => {
        this.known.set(flowName, { durations, at: Date.now() });
        return durations;
      })
      .finally(() => this.refreshing.delete(flowName));
    this.refreshing.set(flowName, refresh);
    return refresh;
  }
}
