/** Runtime configuration, read once from the environment (the operator deployment sets these). */
export interface MpdflowConfig {
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string } | undefined;
    webUiUrl: string | undefined;
    /**
     * Worker Versioning (MPDFLOW_WORKER_DEPLOYMENT + MPDFLOW_WORKER_BUILD_ID): the worker polls as this Worker Deployment
     * Version and pins each flow to the build it started on; unset: an unversioned worker, as before.
     */
    versioning: WorkerVersion | undefined;
  };
  kubeconfig: string | undefined;
  /** The kubeconfig context to use instead of its current one (MPDFLOW_KUBE_CONTEXT; `kubectl mpdflow --context`). */
  kubeContext: string | undefined;
  /** Audit records kept per cluster (MPDFLOW_AUDIT_KEEP, default 50; 0: none): README, Audit. */
  auditKeep: number;
  /** Namespaces the controller watches (WATCH_NAMESPACES, comma-separated); all when empty. */
  watchNamespaces: string[];
  /** What the worker writes on the MPDCluster while a flow runs. */
  flowWrites: {
    /** status.workflow at each step (MPDFLOW_PROGRESS=off: only at completion and interrupt). */
    progress: boolean;
    /** An Event when each step starts and completes (MPDFLOW_STEP_EVENTS=true; off by default). */
    stepEvents: boolean;
    /**
     * Progress writes a second, per worker process, all clusters together (MPDFLOW_PROGRESS_QPS, default 10): under a
     * burst each cluster's newest progress goes out, at this rate; completion and interrupt writes are not limited. At 10
     * (client-go's clients default to 5) a 1,000-cluster burst cost kube-apiserver a third less CPU than at 50.
     */
    progressPerSecond: number;
    /**
     * A cluster's progress is written at most once per this many ms (MPDFLOW_PROGRESS_INTERVAL_MS, default 1000): steps
     * shorter than that share a write, always the newest step; 0 writes every step.
     */
    progressIntervalMs: number;
  };
  /** The level of the worker's per-step log lines (MPDFLOW_STEP_LOG_LEVEL, default debug; flow events are info). */
  stepLogLevel: LogLevelName;
}

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn';

/** A worker build: its Temporal Worker Deployment name and build id. */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/** Every environment variable mpdflow reads, in one list (deployments and docker-compose are checked against it). */
export const configEnvKeys = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_WEB_UI_URL',
  'MPDFLOW_WORKER_DEPLOYMENT',
  'MPDFLOW_WORKER_BUILD_ID',
  'MPDFLOW_AUDIT_KEEP',
  'KUBECONFIG',
  'MPDFLOW_KUBE_CONTEXT',
  'MPDFLOW_ENGINE_CLUSTER_ROLE',
  'WATCH_NAMESPACES',
  'POD_NAMESPACE',
  'MPDFLOW_LOG_LEVEL',
  'MPDFLOW_STEP_LOG_LEVEL',
  'MPDFLOW_PROGRESS',
  'MPDFLOW_STEP_EVENTS',
  'MPDFLOW_PROGRESS_QPS',
  'MPDFLOW_PROGRESS_INTERVAL_MS',
  'TEMPORAL_SDK_LOG_LEVEL',
  // OpenTelemetry tracing (the OTLP exporter reads the other OTEL_* variables itself).
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
  // Local tooling: where caches and dev data live, prebuilt binaries, test fault injection.
  'MPDFLOW_CACHE_DIR',
  'XDG_CACHE_HOME',
  'MPDFLOW_DATA_DIR',
  'MPDFLOW_BUNDLE_DIR',
  'MPDFLOW_TEMPORAL_BIN',
  'MPDFLOW_KUBE_BIN_DIR',
  'MPDFLOW_ETCD_URL',
  'MPDFLOW_FAULT_KILL_AFTER_STATUS_PATCH',
  'MPDFLOW_FAULT_START_DELAY_MS',
] as const;

export const defaultTemporalNamespace = 'mpdflow';
export const defaultTaskQueue = 'mpdflow';

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): MpdflowConfig {
  const tlsEnabled = env.TEMPORAL_TLS === 'true' || Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA);
  return {
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE || defaultTemporalNamespace,
      taskQueue: env.TEMPORAL_TASK_QUEUE || defaultTaskQueue,
      tls: tlsEnabled
        ? {
            certPath: env.TEMPORAL_TLS_CERT || undefined,
            keyPath: env.TEMPORAL_TLS_KEY || undefined,
            caPath: env.TEMPORAL_TLS_CA || undefined,
            serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
          }
        : undefined,
      webUiUrl: env.TEMPORAL_WEB_UI_URL || undefined,
      versioning: workerVersionFromEnv(env),
    },
    kubeconfig: env.KUBECONFIG || undefined,
    kubeContext: env.MPDFLOW_KUBE_CONTEXT || undefined,
    auditKeep: env.MPDFLOW_AUDIT_KEEP !== undefined && env.MPDFLOW_AUDIT_KEEP !== '' && Number(env.MPDFLOW_AUDIT_KEEP) >= 0 ? Math.floor(Number(env.MPDFLOW_AUDIT_KEEP)) : 50,
    watchNamespaces: (env.WATCH_NAMESPACES ?? '')
      .split(',')
      .map((ns) => ns.trim())
      .filter(Boolean),
    flowWrites: {
      progress: env.MPDFLOW_PROGRESS !== 'off',
      stepEvents: env.MPDFLOW_STEP_EVENTS === 'true',
      progressPerSecond: Number(env.MPDFLOW_PROGRESS_QPS) > 0 ? Number(env.MPDFLOW_PROGRESS_QPS) : 10,
      progressIntervalMs: Number(env.MPDFLOW_PROGRESS_INTERVAL_MS) >= 0 && env.MPDFLOW_PROGRESS_INTERVAL_MS ? Number(env.MPDFLOW_PROGRESS_INTERVAL_MS) : 1000,
    },
    stepLogLevel: stepLogLevelFrom(env.MPDFLOW_STEP_LOG_LEVEL),
  };
}

/** MPDFLOW_STEP_LOG_LEVEL: a level name; a misspelt one is said at start, never ignored. */
function stepLogLevelFrom(value: string | undefined): LogLevelName {
  const level = value?.trim().toLowerCase();
  if (!level) return 'debug';
  if (level === 'trace' || level === 'debug' || level === 'info' || level === 'warn') return level;
  throw new Error(`MPDFLOW_STEP_LOG_LEVEL=${value}: expected trace, debug, info or warn`);
}

/** Both or neither: a deployment name without a build id (or the reverse) is a mistake, said at start. */
function workerVersionFromEnv(env: NodeJS.ProcessEnv): WorkerVersion | undefined {
  const deploymentName = env.MPDFLOW_WORKER_DEPLOYMENT || undefined;
  const buildId = env.MPDFLOW_WORKER_BUILD_ID || undefined;
  if (!deploymentName && !buildId) return undefined;
  if (!deploymentName || !buildId) throw new Error('MPDFLOW_WORKER_DEPLOYMENT and MPDFLOW_WORKER_BUILD_ID are set together (Worker Versioning) or not at all');
  return { deploymentName, buildId };
}
