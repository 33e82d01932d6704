/** The real shared-storage operator (flows/, activities/shared, its state machine); its pods run on the harness's node. */
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { operator as sharedStorageOperator } from '../../src/operator/shared/operator';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { testTaskQueue } from './stack';
import { fileSuite, type FileSuite } from './file-suite';

export interface SharedOperator {
  taskQueue: string;
  worker: RunningWorker;
  controller: RunningController;
  stop(): Promise<void>;
}

/** `flowsDir`: another copy of the operator's flows (a test's variant, e.g. with an approval gate). */
export async function startSharedOperator(namespace: string, options: { flowsDir?: string } = {}): Promise<SharedOperator> {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('shared');
  const operator = prepareOperator(sharedStorageOperator, options);
  const worker = await startWorker({ config, operator });
  const controller = await startController({ config, operator, namespaces: [namespace], leaderElection: false, relistEveryMs: 10_000, log: rootLogger.child({ component: 'controller' }) });
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

/** One test file's real shared-storage operator, in a namespace of its own released after (file-suite.ts). */
export const sharedOperatorSuite = (label: string): FileSuite<SharedOperator> => fileSuite(label, (namespace) => startSharedOperator(namespace), { releaseNamespace: true });
