import { configFromEnv } from '../config';
import { startWorker } from '../worker/run-worker';
import { stopOnSignal } from './signals';

export interface WorkerCommandOptions {
  flows?: string;
  steps?: string[];
  taskQueue?: string;
  opsPort?: string;
}

/** `mpdflow worker`: validate the flows, then serve them until Ctrl-C / SIGTERM. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = configFromEnv();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  const running = await startWorker({
    config,
    flowsDir: options.flows,
    stepModules: options.steps,
    ...(options.opsPort !== undefined ? { opsPort: Number(options.opsPort) } : {}),
  });
  await Promise.race([running.done, stopOnSignal(() => running.shutdown())]);
}
