import { makeInformer, type KubeConfig, type KubernetesListObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { MPDCluster } from '../kube/mpdcluster';
import { MpdClusterClient } from '../kube/mpdcluster-client';

export interface ClusterInformerOptions {
  config: KubeConfig;
  clusters: MpdClusterClient;
  /** Watch these namespaces; all when empty. */
  namespaces: string[];
  /** Every key seen goes here. */
  enqueue(key: string): void;
  /** A full relist this often, so a silently stalled watch never loses a change. */
  relistEveryMs: number;
  onRestart(): void;
  /** After each watchdog relist, with how many clusters it found the watch had missed. */
  onRelist?(missed: number): void;
  log: Logger;
}

const keyOf = (cluster: MPDCluster) => `${cluster.metadata.namespace}/${cluster.metadata.name}`;

/**
 * Watches MPDClusters: client-node's informer (list + watch, relist on 410), restarted with backoff on any other
 * error, plus a watchdog relist — client-node's informer stops for good on errors and can stall silently. The relist
 * enqueues only what the watch missed (a resourceVersion the cache does not have, or an object gone): a healthy watch
 * costs one list a minute, never a reconcile of every cluster in front of the changes users are waiting for.
 */
export class ClusterInformer {
  private readonly informers: Array<ReturnType<typeof makeInformer<MPDCluster>>> = [];
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private synced = false;

  constructor(private readonly options: ClusterInformerOptions) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const scopes = this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    for (const namespace of scopes) {
      const list = async () => {
        const { items, resourceVersion } = await this.options.clusters.list(namespace);
        return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion } } as KubernetesListObject<MPDCluster>;
      };
      const informer = makeInformer<MPDCluster>(this.options.config, MpdClusterClient.watchPath(namespace), list);
      const enqueue = (cluster: MPDCluster) => this.options.enqueue(keyOf(cluster));
      informer.on('add', enqueue);
      informer.on('update', enqueue);
      informer.on('delete', enqueue);
      let failures = 0;
      informer.on('connect', () => (failures = 0));
      informer.on('error', (error) => {
        if (this.stopped) return;
        failures += 1;
        const delay = Math.min(500 * 2 ** (failures - 1), 30_000);
        this.options.log.warn({ err: error, namespace: namespace ?? '*', retryInMs: delay }, 'MPDCluster watch failed; restarting');
        this.options.onRestart();
        setTimeout(() => {
          if (!this.stopped) informer.start().catch(() => undefined);
        }, delay).unref();
      });
      this.informers.push(informer);
      await informer.start();
      // A stop() while this one listed: it stopped what it found; this one, started after, is stopped here.
      if (this.stopped) {
        await informer.stop();
        return;
      }
    }
    this.synced = true;
    this.watchdog = setInterval(() => void this.relist(), this.options.relistEveryMs);
    this.watchdog.unref();
  }

  /** The cluster as the watch last delivered it (the cache is updated before the key is enqueued); undefined when unseen. */
  cached(namespace: string, name: string): MPDCluster | undefined {
    for (const informer of this.informers) {
      const cluster = informer.get(name, namespace);
      if (cluster) return cluster;
    }
    return undefined;
  }

  /** Every cluster the watch has delivered (the disruption budget counts its slots here). */
  all(): MPDCluster[] {
    const scopes = this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    return this.informers.flatMap((informer, i) => informer.list(scopes[i]));
  }

  /** Enqueues every cluster whose state on the API server the watch has not delivered. */
  async relist(): Promise<number> {
    const scopes = this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    let missed = 0;
    const miss = (key: string) => {
      missed += 1;
      this.options.enqueue(key);
    };
    for (const [i, namespace] of scopes.entries()) {
      try {
        const listed = await this.options.clusters.listMetadata(namespace);
        const seen = new Set<string>();
        for (const { namespace: ns, name, resourceVersion } of listed) {
          const key = `${ns}/${name}`;
          seen.add(key);
          if (this.cached(ns, name)?.metadata.resourceVersion !== resourceVersion) miss(key);
        }
        for (const cluster of this.informers[i]?.list(namespace) ?? []) if (!seen.has(keyOf(cluster))) miss(keyOf(cluster));
      } catch (error) {
        this.options.log.warn({ err: error }, 'watchdog relist failed');
      }
    }
    if (missed > 0) this.options.log.info({ missed }, 'watchdog relist found changes the watch had not delivered');
    this.options.onRelist?.(missed);
    return missed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}
