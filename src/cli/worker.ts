import { configFromEnv } from '../config';
import { loadOperator } from '../operator-api/load-operator';
import { startWorker } from '../worker/run-worker';
import { stopOnSignal } from './signals';

export interface WorkerCommandOptions {
  operator: string;
  flows?: string;
  taskQueue?: string;
  opsPort?: string;
  deploymentName?: string;
  buildId?: string;
}

/** `mpdflow worker`: validate the operator's flows, then serve them until Ctrl-C / SIGTERM. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = configFromEnv();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  if (options.deploymentName || options.buildId) {
    const deploymentName = options.deploymentName ?? config.temporal.versioning?.deploymentName;
    const buildId = options.buildId ?? config.temporal.versioning?.buildId;
    if (!deploymentName || !buildId) throw new Error('Worker Versioning needs both --deployment-name and --build-id (or MPDFLOW_WORKER_DEPLOYMENT and MPDFLOW_WORKER_BUILD_ID)');
    config.temporal.versioning = { deploymentName, buildId };
  }
  const running = await startWorker({
    config,
    operator: await loadOperator(options.operator, { flowsDir: options.flows }),
    ...(options.opsPort !== undefined ? { opsPort: Number(options.opsPort) } : {}),
  });
  await Promise.race([running.done, stopOnSignal(() => running.shutdown())]);
}
