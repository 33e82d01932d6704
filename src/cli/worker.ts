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
  makeCurrent?: boolean;
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
  if (options.makeCurrent && !config.temporal.versioning) throw new Error('--make-current needs a versioned worker: --deployment-name and --build-id');
  // With --make-current, Ready means new flows start on this build: a rollout (helm upgrade --wait) ends only then.
  let current = !options.makeCurrent;
  const running = await startWorker({
    config,
    operator: await loadOperator(options.operator, { flowsDir: options.flows }),
    ...(options.opsPort !== undefined ? { opsPort: Number(options.opsPort) } : {}),
    notReadyBecause: () => (current ? undefined : `build ${config.temporal.versioning?.buildId} is not the Current Version yet: new flows would start on the previous one`),
  });
  if (options.makeCurrent) {
    const { makeCurrentWhenPolling } = await import('./make-current');
    void makeCurrentWhenPolling(config, config.temporal.versioning!, running.done).then(
      (made) => (current = made),
      (error: unknown) => process.stderr.write(`mpdflow: could not make build ${config.temporal.versioning?.buildId} Current: ${String(error)}\n`),
    );
  }
  await Promise.race([running.done, stopOnSignal(() => running.shutdown())]);
}
