import { NativeConnection, type Worker } from '@temporalio/worker';
import { installSdkRuntime } from '../temporal/sdk-runtime';
import type { MpdflowConfig } from '../config';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { MpdClusterFlowResource } from './mpdcluster-flow-resource';
import { rootLogger } from '../infra/log';
import { temporalTls } from '../temporal/connection';
import { createFlowWorker } from './flow-worker';
import { stepServices } from '../flows/step-services';
import { metricsHooks, workerMetrics, type WorkerMetrics } from './metrics';
import { startOpsServer } from '../infra/ops-server';
import { tracingFromEnv, type Tracing } from '../temporal/tracing';
import type { LoadedOperator } from '../operator-api/operator';

export interface WorkerStartOptions {
  config: MpdflowConfig;
  /** The operator whose flows and steps this worker serves, loaded once per process. */
  operator: LoadedOperator;
  identity?: string;
  /** Serve /healthz, /readyz and /metrics on this port (0 picks one). */
  opsPort?: number;
  /** OpenTelemetry tracing; by default from OTEL_EXPORTER_OTLP_ENDPOINT, off when unset. */
  tracing?: Tracing;
}

export interface RunningWorker {
  worker: Worker;
  metrics: WorkerMetrics;
  opsPort: number | undefined;
  /** Resolves when the worker has stopped (after shutdown()). */
  done: Promise<void>;
  /** Resolves when the progress and Events handed to the background so far have been written (or dropped). */
  settled(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Connects and runs the worker for the operator's (already validated) flows until shutdown. */
export async function startWorker(options: WorkerStartOptions): Promise<RunningWorker> {
  const { config } = options;
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  installSdkRuntime();
  const { operator } = options;
  const log = rootLogger.child({ component: 'worker', taskQueue: config.temporal.taskQueue });
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const connection = await NativeConnection.connect({ address: config.temporal.address, tls: temporalTls(config.temporal) });
  const metrics = workerMetrics();
  const resource = new MpdClusterFlowResource(kube, {
    webUiUrl: config.temporal.webUiUrl,
    temporalNamespace: config.temporal.namespace,
    log,
    stableStatus: operator.stableStatus,
    progress: config.flowWrites.progress,
    progressPerSecond: config.flowWrites.progressPerSecond,
    flows: operator.flows,
  });
  const worker = await createFlowWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    flows: operator.flows,
    steps: operator.stepRegistry,
    services: stepServices(kube, log),
    resource,
    stepEvents: config.flowWrites.stepEvents,
    hooks: [metricsHooks(metrics), ...(operator.hooks ? [operator.hooks] : [])],
    onRetry: (flow, step) => metrics.stepRetries.inc({ flow, step }),
    tracing: options.tracing ?? tracingFromEnv(),
    log,
    identity: options.identity,
  });
  log.info({ operator: operator.name, flows: [...operator.flows.keys()], steps: operator.stepRegistry.classNames().length }, 'worker started');
  const ops =
    options.opsPort !== undefined
      ? await startOpsServer({ port: options.opsPort, registry: metrics.registry, ready: () => worker.getState() === 'RUNNING' })
      : undefined;
  const done = worker.run().finally(async () => {
    // Progress and Events still queued go out before the process may end.
    await resource.drain();
    await ops?.close();
    await connection.close();
  });
  return {
    worker,
    metrics,
    opsPort: ops?.port,
    done,
    settled: () => resource.drain(),
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
