import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { FlowEvent } from '../contract/flow-run';
import { expectedRemainingMs } from '../temporal/step-durations';
import { StepEstimates } from './step-estimates';
import { StuckWatch, type StuckOptions } from './stuck-watch';
import { installSdkRuntime } from '../temporal/sdk-runtime';
import type { MpdflowConfig } from '../config';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { MpdClusterFlowResource } from './mpdcluster-flow-resource';
import { rootLogger } from '../infra/log';
import { clientConnectionOptions, temporalTls } from '../temporal/connection';
import { apiServerProbe, Reachability, temporalProbe } from '../temporal/reachability';
import { createFlowWorker } from './flow-worker';
import { AuditTrail } from './audit-trail';
import { stepServices } from '../flows/step-services';
import { metricsHooks, workerMetrics, type WorkerMetrics } from './metrics';
import { startOpsServer } from '../infra/ops-server';
import { tracingFromEnv, type Tracing } from '../temporal/tracing';
import type { LoadedOperator } from '../operator-api/operator';
import { apiServerAnswers } from './api-outage';

export interface WorkerStartOptions {
  config: MpdflowConfig;
  /** The operator whose flows and steps this worker serves, loaded once per process. */
  operator: LoadedOperator;
  identity?: string;
  /** Serve /healthz, /readyz and /metrics on this port (0 picks one). */
  opsPort?: number;
  /** OpenTelemetry tracing; by default from OTEL_EXPORTER_OTLP_ENDPOINT, off when unset. */
  tracing?: Tracing;
  /** When a running step counts as stuck (stuck-watch.ts). */
  stuck?: StuckOptions;
  /** How long learnt step durations are used before they are learnt again (default 5 minutes). */
  estimatesTtlMs?: number;
  /** A further reason not to be Ready yet (undefined when none), consulted by /readyz. */
  notReadyBecause?: () => string | undefined;
}

export interface RunningWorker {
  worker: Worker;
  metrics: WorkerMetrics;
  /** The usual step durations this worker uses for ETAs and the stuck watch. */
  estimates: StepEstimates;
  opsPort: number | undefined;
  /** Resolves when the worker has stopped (after shutdown()). */
  done: Promise<void>;
  /** Resolves when the progress and Events handed to the background so far have been written (or dropped). */
  settled(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The build an audit record names: the Worker Deployment Version, or `unversioned`. */
const workerBuild = (config: MpdflowConfig) => (config.temporal.versioning ? `${config.temporal.versioning.deploymentName}/${config.temporal.versioning.buildId}` : 'unversioned');

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
  // A client connection of its own for reading completed runs (the worker's NativeConnection serves only the worker).
  const clientConnection = await Connection.connect(clientConnectionOptions(config.temporal));
  const estimates = new StepEstimates(new Client({ connection: clientConnection, namespace: config.temporal.namespace }), log, options.estimatesTtlMs);
  const remainingOf = (event: FlowEvent): number | undefined => {
    const durations = estimates.get(event.flowName);
    const flow = operator.flows.get(event.flowName);
    return durations && flow ? expectedRemainingMs(durations, flow.steps.map((s) => s.stepName), Math.max(0, (event.index ?? 1) - 1)) : undefined;
  };
  const resource = new MpdClusterFlowResource(kube, {
    expectedRemainingMs: remainingOf,
    webUiUrl: config.temporal.webUiUrl,
    temporalNamespace: config.temporal.namespace,
    log,
    stableStatus: operator.stableStatus,
    progress: config.flowWrites.progress,
    progressPerSecond: config.flowWrites.progressPerSecond,
    progressIntervalMs: config.flowWrites.progressIntervalMs,
    flows: operator.flows,
  });
  const stuck = new StuckWatch(estimates, resource, (flow, step, isStuck) => metrics.stepsStuck.inc({ flow, step }, isStuck ? 1 : -1), log, options.stuck);
  const worker = await createFlowWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    flows: operator.flows,
    steps: operator.stepRegistry,
    services: stepServices(kube, log),
    resource,
    stepEvents: config.flowWrites.stepEvents,
    stepLogLevel: config.stepLogLevel,
    hooks: [metricsHooks(metrics), stuck.hooks(), ...(operator.hooks ? [operator.hooks] : [])],
    onPulse: (input, workflowId, since) => stuck.pulse(input, workflowId, since),
    apiServerAnswers: apiServerAnswers(kube.config),
    onRetry: (flow, step) => metrics.stepRetries.inc({ flow, step }),
    tracing: options.tracing ?? tracingFromEnv(),
    log,
    identity: options.identity,
    versioning: config.temporal.versioning,
    audit: new AuditTrail(kube, { log: log.child({ component: 'audit' }), workerBuild: workerBuild(config), keep: config.auditKeep }),
  });
  log.info({ operator: operator.name, build: config.temporal.versioning ?? 'unversioned', flows: [...operator.flows.keys()], steps: operator.stepRegistry.classNames().length }, 'worker started');
  // Ready only while the API server and Temporal answer and the worker runs; /readyz says which is missing.
  const reachability = new Reachability([apiServerProbe(kube.config), temporalProbe(config.temporal.address, connection)], log);
  if (options.opsPort !== undefined) reachability.start();
  const whyNotReady = () =>
    reachability.notReady() ?? (worker.getState() === 'RUNNING' ? options.notReadyBecause?.() : `the worker is ${worker.getState()}`);
  const ops =
    options.opsPort !== undefined
      ? await startOpsServer({ port: options.opsPort, registry: metrics.registry, ready: () => whyNotReady() === undefined, whyNotReady })
      : undefined;
  const done = worker.run().finally(async () => {
    // Progress and Events still queued go out before the process may end.
    await resource.drain();
    reachability.stop();
    await ops?.close();
    await connection.close();
    await clientConnection.close();
  });
  return {
    worker,
    metrics,
    estimates,
    opsPort: ops?.port,
    done,
    settled: () => resource.drain(),
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
