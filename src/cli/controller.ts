import { configFromEnv } from '../config';
import { startController } from '../controller/controller';
import { parseBudgetRule } from '../controller/disruption-budget';
import { rootLogger } from '../infra/log';
import { loadOperator } from '../operator-api/load-operator';
import { stopOnSignal } from './signals';

/** How long a controller that lost its lease may take to stop before it exits anyway. */
const lostLeaseStopGraceMs = 15_000;

export interface ControllerCommandOptions {
  operator: string;
  flows?: string;
  namespace?: string[];
  filterOperatorName?: string;
  taskQueue?: string;
  leaderElection?: boolean;
  leaseNamespace?: string;
  leaseDuration?: string;
  opsPort?: string;
  concurrency?: string;
  relistEvery?: string;
  disruptionBudget?: string[];
}

async function runController(options: ControllerCommandOptions, withWorker: boolean): Promise<void> {
  const config = configFromEnv();
  // A malformed budget stops the command before anything starts, with the form it expects.
  for (const rule of options.disruptionBudget ?? []) parseBudgetRule(rule);
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  // Loaded once: the worker and the controller share the operator object.
  const operator = await loadOperator(options.operator, { flowsDir: options.flows });
  // Only `mpdflow run` loads the worker (and with it Temporal's worker and bundler): a controller stays small.
  const worker = withWorker ? await (await import('../worker/run-worker')).startWorker({ config, operator }) : undefined;
  const controller = await startController({
    config,
    operator,
    namespaces: options.namespace ?? config.watchNamespaces,
    operatorName: options.filterOperatorName,
    concurrency: options.concurrency ? Number(options.concurrency) : undefined,
    ...(options.disruptionBudget?.length ? { disruptionBudget: options.disruptionBudget } : {}),
    ...(options.relistEvery ? { relistEveryMs: Number(options.relistEvery) * 1000 } : {}),
    leaderElection:
      options.leaderElection === false
        ? false
        : {
            namespace: options.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'default',
            ...(options.leaseDuration ? { leaseDurationMs: Number(options.leaseDuration) * 1000 } : {}),
          },
    opsPort: options.opsPort !== undefined ? Number(options.opsPort) : undefined,
    // One port for the process: the worker's metrics beside the controller's.
    ...(worker ? { alsoServe: { registry: worker.metrics.registry, ready: () => worker.worker.getState() === 'RUNNING' } } : {}),
    log: rootLogger.child({ component: 'controller' }),
  });
  const stopAll = async () => {
    await controller.stop();
    await worker?.shutdown();
  };
  await Promise.race([
    stopOnSignal(stopAll),
    controller.lostLeadership.then(async () => {
      // As client-go controllers do: a lost lease ends the process (the Deployment restarts it), even when something
      // still holds the event loop open; a process left half-stopped once went on watching, unled and unready.
      await Promise.race([stopAll(), new Promise((resolveLater) => setTimeout(resolveLater, lostLeaseStopGraceMs).unref())]);
      process.exit(1);
    }),
  ]);
}

export const controllerCommand = (options: ControllerCommandOptions) => runController(options, false);
export const runCommand = (options: ControllerCommandOptions) => runController(options, true);
