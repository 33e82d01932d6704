import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import { describePlan } from '../controller/memento-plan';
import { foreignMessage, readMemento, type MementoReading } from '../controller/memento-migration';
import { controllerMetrics } from '../controller/metrics';
import { Reconciler } from '../controller/reconciler';
import { rootLogger } from '../infra/log';
import { apiStatus, kubeClients, loadKubeConfig } from '../kube/client';
import { recordClusterEvent } from '../kube/cluster-events';
import { mementoName, MementoStore } from '../kube/memento-configmap';
import type { MPDCluster } from '../kube/mpdcluster';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { loadOperator } from '../operator-api/load-operator';
import type { LoadedOperator } from '../operator-api/operator';
import { clientConnectionOptions } from '../temporal/connection';
import { FlowRuns } from '../temporal/flow-runs';

export interface MigrateCommandOptions {
  operator: string;
  dryRun?: boolean;
  namespace?: string[];
  taskQueue?: string;
}

/** One line per cluster: what its Go engine memento is, or what taking it over does. */
export function planLine(cluster: MPDCluster, reading: MementoReading): string {
  const name = `${cluster.metadata.namespace}/${cluster.metadata.name}`;
  const state = cluster.status?.clusterStatus || '-';
  const memento = mementoName(cluster.metadata.name ?? '');
  switch (reading.kind) {
    case 'none':
      return `${name} (${state}): no ${memento} ConfigMap; nothing to migrate`;
    case 'marked':
      return `${name} (${state}): ${memento} migrated at ${reading.at}: ${reading.outcome}${reading.workflowId ? ` (workflow ${reading.workflowId})` : ''}`;
    case 'malformed':
      return `${name} (${state}): ${memento} cannot be migrated: ${reading.problem}`;
    case 'plan':
      return `${name} (${state}): ${memento}: ${describePlan(reading.plan)}`;
    case 'foreign':
      return `${name} (${state}): ${foreignMessage(memento, reading.ownerUid, cluster.metadata.uid ?? '')}`;
  }
}

async function targets(clusters: MpdClusterClient, target: string | undefined, namespaces: string[]): Promise<MPDCluster[]> {
  if (target) {
    const [namespace, name] = target.includes('/') ? target.split('/', 2) : ['default', target];
    if (!namespace || !name) throw new Error(`expected namespace/name, got "${target}"`);
    try {
      return [await clusters.get({ namespace, name })];
    } catch (error) {
      if (apiStatus(error) === 404) throw new Error(`MPDCluster ${namespace}/${name} not found`);
      throw error;
    }
  }
  const lists = namespaces.length > 0 ? await Promise.all(namespaces.map((ns) => clusters.list(ns))) : [await clusters.list()];
  return lists.flatMap((list) => list.items);
}

/**
 * `mpdflow migrate [ns/name] [--dry-run]`: the plan for each cluster's Go engine memento. Without --dry-run, each
 * unmigrated memento is taken over through the controller's own code (the same transition write and run start).
 */
export async function migrateCommand(target: string | undefined, options: MigrateCommandOptions): Promise<void> {
  const config = configFromEnv();
  if (options.taskQueue) config.temporal.taskQueue = options.taskQueue;
  const kube = kubeClients(loadKubeConfig(config.kubeconfig, config.kubeContext));
  const clusters = new MpdClusterClient(kube);
  const store = new MementoStore(kube.config);
  const operator = await loadOperator(options.operator);
  const all = await targets(clusters, target, options.namespace ?? []);
  const readings = await Promise.all(all.map(async (cluster) => ({ cluster, reading: await readMemento(store, cluster, operator) })));
  if (options.dryRun) {
    process.stdout.write(`mpdflow migrate --dry-run: ${all.length} cluster(s); nothing is changed\n`);
    for (const { cluster, reading } of readings) process.stdout.write(`${planLine(cluster, reading)}\n`);
    return;
  }
  const pending = readings.filter(({ reading }) => reading.kind === 'plan' || reading.kind === 'malformed');
  if (pending.length > 0) await takeOver(pending.map(({ cluster }) => cluster), { config, kube, clusters, store, operator });
  for (const { cluster } of readings) {
    const fresh = await clusters.get({ namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' });
    process.stdout.write(`${planLine(fresh, await readMemento(store, fresh, operator))}\n`);
  }
}

interface TakeOverDeps {
  config: ReturnType<typeof configFromEnv>;
  kube: ReturnType<typeof kubeClients>;
  clusters: MpdClusterClient;
  store: MementoStore;
  operator: LoadedOperator;
}

/** Takes each memento over as the controller does on first sight (the same writes), and starts the run it records. */
async function takeOver(targets: MPDCluster[], { config, kube, clusters, store, operator }: TakeOverDeps): Promise<void> {
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set: applying a migration starts runs in Temporal (try --dry-run, or `mpdflow dev`)');
  const connection = await Connection.connect(clientConnectionOptions(config.temporal));
  const reconciler = new Reconciler({
    clusters,
    operator,
    runs: new FlowRuns(new Client({ connection, namespace: config.temporal.namespace }), config.temporal.taskQueue),
    mementos: store,
    recordEvent: (resource, event) => recordClusterEvent(kube, resource, event),
    enqueue: () => undefined,
    fence: () => undefined,
    metrics: controllerMetrics(),
    log: rootLogger.child({ component: 'migrate' }),
  });
  try {
    for (const cluster of targets) await reconciler.migrate({ namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' });
  } finally {
    reconciler.close();
    await connection.close();
  }
}
