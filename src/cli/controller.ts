import { configFromEnv } from '../config';
import { startController } from '../controller/controller';
import { rootLogger } from '../infra/log';
import { loadFlowSetup } from '../worker/flow-setup';
import { loadOperator } from '../worker/operator-module';
import { startWorker } from '../worker/run-worker';
import { stopOnSignal } from './signals';

export interface ControllerCommandOptions {
  flows?: string;
  steps?: string[];
  operator?: string;
  namespace?: string[];
  filterOperatorName?: string;
  taskQueue?: string;
  leaderElection?: boolean;
  leaseNamespace?: string;
  leaseDuration?: string;
  opsPort?: string;
  concurrency?: string;
}

const builtInOperator = new URL('../operator/shared/operator.ts', import.meta.url).href;

async function runController(options: ControllerCommandOptions, withWorker: boolean): Promise<void> {
  const config = configFromEnv();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  const setup = await loadFlowSetup({ flowsDir: options.flows, stepModules: options.steps });
  const operator = await loadOperator(options.operator, builtInOperator);
  const worker = withWorker ? await startWorker({ config, flowsDir: options.flows, stepModules: options.steps }) : undefined;
  const controller = await startController({
    config,
    operator,
    flows: setup.flows,
    namespaces: options.namespace ?? config.watchNamespaces,
    operatorName: options.filterOperatorName,
    concurrency: options.concurrency ? Number(options.concurrency) : undefined,
    leaderElection:
      options.leaderElection === false
        ? false
        : {
            namespace: options.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'default',
            ...(options.leaseDuration ? { leaseDurationMs: Number(options.leaseDuration) * 1000 } : {}),
          },
    opsPort: options.opsPort !== undefined ? Number(options.opsPort) : undefined,
    log: rootLogger.child({ component: 'controller' }),
  });
  const stopAll = async () => {
    await controller.stop();
    await worker?.shutdown();
  };
  await Promise.race([
    stopOnSignal(stopAll),
    controller.lostLeadership.then(async () => {
      await stopAll();
      process.exitCode = 1; // as client-go controllers do: a lost lease ends the process, the Deployment restarts it
    }),
  ]);
}

export const controllerCommand = (options: ControllerCommandOptions) => runController(options, false);
export const runCommand = (options: ControllerCommandOptions) => runController(options, true);
