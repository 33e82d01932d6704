import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(i: number): Promise<void> }>({ startToCloseTimeout: '1m' });

/** The baseline: a hand-written workflow calling ten no-op activities in a row. */
export async function tenActivities(): Promise<void> {
  for (let i = 0; i < 10; i++) await noop(i);
}

/** The floor of a reaction: a workflow whose start is all there is to measure. */
export async function started(): Promise<void> {}

const { failTimes } = proxyActivities<{ failTimes(failures: number): Promise<void> }>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 20, initialInterval: '50ms', backoffCoefficient: 1, maximumInterval: '50ms' },
});

/** The floor of a retried step: the same retry policy on a bare activity. */
export async function retried(failures: number): Promise<void> {
  await failTimes(failures);
}

/** The ceiling of the scale benchmark: a bare workflow of the create flow's shape, seven no-op activities. */
export async function sevenActivities(): Promise<void> {
  for (let i = 0; i < 7; i++) await noop(i);
}
