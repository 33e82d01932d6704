import { loadOperator } from '../operator-api/load-operator';
import { formatPlan, planFor } from '../operator-api/plan';
import { learnStepDurations } from '../temporal/step-durations';
import { configFromEnv } from '../config';
import { clusters, parseRef, withTemporal } from './cluster-ops';

/** `mpdflow plan ns/name`: reads the cluster and Temporal's completed runs; writes nothing, starts nothing. */
export async function planCommand(target: string, options: { operator: string; flows?: string; json?: boolean }): Promise<void> {
  const operator = await loadOperator(options.operator, { flowsDir: options.flows });
  const cluster = await clusters().get(parseRef(target));
  const plan = configFromEnv().temporal.address
    ? await withTemporal((client) => planFor(cluster, operator, (flowName) => learnStepDurations(client, flowName)))
    : await planFor(cluster, operator);
  process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
}
