import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { MpdflowConfig } from '../config';
import { apiStatus, kubeClients, loadKubeConfig } from '../kube/client';
import { recordClusterEvent } from '../kube/cluster-events';
import { errorText } from '../kube/error-text';
import { MementoStore } from '../kube/memento-configmap';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { clientConnectionOptions } from '../temporal/connection';
import { ClusterInformer } from './cluster-informer';
import { LeaderElector } from './leader-election';
import { controllerMetrics, type ControllerMetrics } from './metrics';
import { Registry } from 'prom-client';
import { startOpsServer, type OpsServer } from '../infra/ops-server';
import type { LoadedOperator } from '../operator-api/operator';
import { FlowRuns } from '../temporal/flow-runs';
import { ClosedRunPoller } from '../temporal/closed-run-poller';
import { Reconciler } from './reconciler';
import { runLink } from '../kube/run-status';
import { WorkQueue } from './work-queue';
import { DisruptionBudget, parseBudgetRule } from './disruption-budget';
import { budgetView } from './budget-view';
import { withInputChecks } from './input-checks';
import { NodeCapacity } from './node-capacity';
import type { MPDCluster } from '../kube/mpdcluster';
import { apiServerProbe, Reachability, temporalProbe } from '../temporal/reachability';

/** The budget over the clusters this controller manages: a slot is a cluster in a disruptive transition. */
function disruptionBudget(options: ControllerOptions, cachedClusters: () => MPDCluster[]): DisruptionBudget {
  const managed = () => cachedClusters().filter((c) => !options.operatorName || c.spec.operatorName === options.operatorName);
  return new DisruptionBudget((options.disruptionBudget ?? []).map(parseBudgetRule), budgetView(options.operator.stateMachine, managed));
}

export interface ControllerOptions {
  config: MpdflowConfig;
  /** The operator whose state machine this controller runs, loaded once per process. */
  operator: LoadedOperator;
  /** Watch only these namespaces (all when empty). */
  namespaces?: string[];
  /** Only clusters whose spec.operatorName is this (the seed's --filter-operator-name). */
  operatorName?: string;
  concurrency?: number;
  /** Lease-based leader election; off runs as the only controller. */
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number } | false;
  /** Port of /healthz, /readyz and /metrics; 0 picks one, undefined serves none. */
  opsPort?: number;
  /** A part running in the same process (`mpdflow run`: the worker): its metrics and readiness served beside ours. */
  alsoServe?: { registry: Registry; ready(): boolean };
  relistEveryMs?: number;
  /** The fleet disruption budget: rules `K` or `K@label=value` (each must hold); none: no limit. */
  disruptionBudget?: string[];
  log: Logger;
}

export interface RunningController {
  metrics: ControllerMetrics;
  opsPort: number | undefined;
  isLeader(): boolean;
  /** Resolves when leadership is lost (the CLI exits then, like client-go controllers). */
  lostLeadership: Promise<void>;
  stop(): Promise<void>;
}

/** The state-machine controller: informer → work queue → reconcile, acting only while it holds the lease. */
export async function startController(options: ControllerOptions): Promise<RunningController> {
  const { config, log } = options;
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const clusters = new MpdClusterClient(kube);
  // Lazy: a Temporal server that is down must not keep the controller from starting; reconciles retry until it is back.
  const connection = Connection.lazy(clientConnectionOptions(config.temporal));
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const metrics = controllerMetrics();
  const queue = new WorkQueue({ concurrency: options.concurrency ?? 8, onDepth: (depth) => metrics.queueDepth.set(depth) });
  let elector: LeaderElector | undefined;
  // One fence for every write this controller makes: the reconciler's and its operator's watches'.
  const fence = () => elector?.fence();
  const budget = options.disruptionBudget?.length ? disruptionBudget(options, () => informer.all()) : undefined;
  // A cluster deleted meanwhile has nobody left to read the Event.
  const recordEvent = (resource: { namespace: string; name: string }, event: Parameters<typeof recordClusterEvent>[2]) =>
    recordClusterEvent(kube, resource, event).catch((error: unknown) => {
      if (apiStatus(error) !== 404) throw error;
    });
  const nodes = new NodeCapacity({ core: kube.core, log });
  const reconciler = new Reconciler({
    clusters,
    operator: withInputChecks(options.operator, nodes),
    runs: new FlowRuns(temporal, config.temporal.taskQueue, new ClosedRunPoller(temporal, { taskQueue: config.temporal.taskQueue, log })),
    mementos: new MementoStore(kube.config),
    operatorName: options.operatorName,
    ...(budget ? { budget } : {}),
    fence,
    recordEvent,
    enqueue: (key) => queue.add(key),
    runLink: (workflowId) => runLink(config.temporal.webUiUrl, config.temporal.namespace, workflowId),
    cached: (namespace, name) => informer.cached(namespace, name),
    metrics,
    log,
    ...(process.env.MPDFLOW_FAULT_KILL_AFTER_STATUS_PATCH === 'true'
      ? { afterStatusPatch: () => process.kill(process.pid, 'SIGKILL') } // tests: a crash between the patch and the start
      : {}),
  });
  const informer = new ClusterInformer({
    config: kube.config,
    clusters,
    namespaces: options.namespaces ?? [],
    enqueue: (key) => queue.add(key),
    relistEveryMs: options.relistEveryMs ?? 60_000,
    onRestart: () => metrics.informerRestarts.inc(),
    onRelist: (missed) => {
      metrics.relists.inc();
      metrics.relistMissed.inc(missed);
    },
    log,
  });

  const watches = (options.operator.watches ?? []).map((watch) =>
    watch({ kube, clusters, stateMachine: options.operator.stateMachine, namespaces: options.namespaces ?? [], recordEvent, fence, log }),
  );
  let acting = false;
  const leading = () => !elector || elector.isLeader;
  const act = async () => {
    if (acting) return;
    acting = true;
    metrics.isLeader.set(1);
    // Known before the first reconcile: a class no node can hold is refused before its cluster leaves its first state.
    await nodes.start();
    const startDelayMs = Number(process.env.MPDFLOW_FAULT_START_DELAY_MS ?? 0); // tests: a start as slow as under a struggling API server
    if (startDelayMs > 0) await new Promise((resolveLater) => setTimeout(resolveLater, startDelayMs));
    if (!leading()) return; // lost while starting: halt, which runs next, stops what was started
    queue.start(
      async (key) => {
        const end = metrics.reconcileDuration.startTimer();
        try {
          const result = await reconciler.reconcile(key);
          end({ outcome: 'ok' });
          return result;
        } catch (error) {
          end({ outcome: 'error' });
          throw error;
        }
      },
      // One line a person can read, never a client's HTTP dump; a cluster deleted under its reconcile is no failure.
      (key, error) =>
        apiStatus(error) === 404
          ? log.debug({ cluster: key, error: errorText(error) }, 'reconcile met a deleted object; the next one sees it gone')
          : log.warn({ cluster: key, error: errorText(error) }, 'reconcile failed; retrying with backoff'),
    );
    await informer.start();
    for (const watch of watches) if (leading()) await watch.start();
    if (!leading()) return;
    log.info({ namespaces: options.namespaces?.length ? options.namespaces : ['*'] }, 'controller acting');
  };
  const halt = async () => {
    acting = false;
    metrics.isLeader.set(0);
    for (const watch of watches) await watch.stop();
    nodes.stop();
    await informer.stop();
    await queue.stop();
  };

  // Starting and stopping take turns: a lease lost while act() is still starting things (its lists can take seconds
  // under a struggling API server) stops them after it, never before (a soak's controller went on watching, unled).
  let turns: Promise<void> = Promise.resolve();
  const inTurn = (change: () => Promise<void>) => {
    const next = turns.then(change);
    turns = next.catch(() => undefined);
    return next;
  };
  let signalLost: () => void = () => undefined;
  const lostLeadership = new Promise<void>((resolveLost) => (signalLost = resolveLost));
  if (options.leaderElection) {
    elector = new LeaderElector({
      kube,
      namespace: options.leaderElection.namespace,
      name: options.leaderElection.name ?? 'mpdflow-controller',
      identity: options.leaderElection.identity ?? `${hostname()}-${process.pid}`,
      ...(options.leaderElection.leaseDurationMs ? { leaseDurationMs: options.leaderElection.leaseDurationMs } : {}),
      ...(options.leaderElection.renewDeadlineMs ? { renewDeadlineMs: options.leaderElection.renewDeadlineMs } : {}),
      ...(options.leaderElection.retryPeriodMs ? { retryPeriodMs: options.leaderElection.retryPeriodMs } : {}),
      onStartedLeading: () => inTurn(act),
      onStoppedLeading: () =>
        inTurn(async () => {
          await halt();
          signalLost();
        }),
      log,
    });
    elector.start();
  } else {
    await inTurn(act);
  }

  // Ready only while the API server and Temporal answer; then a standby is ready (it is doing its job: waiting), a
  // leader once its informer has synced.
  const reachability = new Reachability([apiServerProbe(kube.config), temporalProbe(config.temporal.address, connection)], log);
  reachability.start();
  const whyNotReady = () =>
    reachability.notReady() ??
    (elector && !elector.isLeader ? undefined : informer.hasSynced ? undefined : 'leading, but the watch of MPDClusters has not synced yet') ??
    (options.alsoServe?.ready() === false ? 'the worker is not running' : undefined);
  let ops: OpsServer | undefined;
  if (options.opsPort !== undefined) {
    ops = await startOpsServer({
      port: options.opsPort,
      registry: options.alsoServe ? Registry.merge([metrics.registry, options.alsoServe.registry]) : metrics.registry,
      ready: () => whyNotReady() === undefined,
      whyNotReady,
    });
    log.info({ port: ops.port }, 'serving /healthz, /readyz and /metrics');
  }

  return {
    metrics,
    opsPort: ops?.port,
    isLeader: () => (elector ? elector.isLeader : true),
    lostLeadership,
    async stop() {
      // Reconciles end first, then the lease goes: no write can follow the release.
      await inTurn(halt);
      reachability.stop();
      reconciler.close();
      await elector?.stop();
      await ops?.close();
      await connection.close();
    },
  };
}
