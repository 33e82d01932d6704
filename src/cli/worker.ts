import { configFromEnv } from '../config';
import { loadOperator } from '../operator-api/load-operator';
import { startWorker } from '../worker/run-worker';
import { stopOnSignal } from './signals';

export interface WorkerCommandOptions {
  operator: string;
  flows?: string;
  taskQueue?: string;
  opsPort?: string;
}

/** `mpdflow worker`: validate the operator's flows, then serve them until Ctrl-C / SIGTERM. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = configFromEnv();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  const running = await startWorker({
    config,
    operator: await loadOperator(options.operator, { flowsDir: options.flows }),
    ...(options.opsPort !== undefined ? { opsPort: Number(options.opsPort) } : {}),
  });
  await Promise.race([running.done, stopOnSignal(() => running.shutdown())]);
}
