/** The real shared-storage operator (flows/, activities/shared, its state machine); its pods run on the harness's node. */
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { operator } from '../../src/operator/shared/operator';
import { loadFlowSetup } from '../../src/worker/flow-setup';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { testTaskQueue } from './stack';

export interface SharedOperator {
  taskQueue: string;
  worker: RunningWorker;
  controller: RunningController;
  stop(): Promise<void>;
}

export async function startSharedOperator(namespace: string): Promise<SharedOperator> {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('shared');
  const worker = await startWorker({ config });
  const { flows } = await loadFlowSetup({});
  const controller = await startController({ config, operator, flows, namespaces: [namespace], leaderElection: false, relistEveryMs: 10_000, log: rootLogger.child({ component: 'controller' }) });
  const operatorHandle: SharedOperator = {
    taskQueue: config.temporal.taskQueue,
    worker,
    controller,
    async stop() {
      await controller.stop();
      await worker.shutdown();
    },
  };
  return operatorHandle;
}
