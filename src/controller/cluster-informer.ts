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
  /** After each watchdog relist has enqueued every cluster. */
  onRelist?(): void;
  log: Logger;
}

const keyOf = (cluster: MPDCluster) => `${cluster.metadata.namespace}/${cluster.metadata.name}`;

/**
 * Watches MPDClusters: client-node's informer (list + watch, relist on 410), restarted with backoff on any other
 * error, plus a watchdog relist — client-node's informer stops for good on errors and can stall silently.
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
    }
    this.synced = true;
    this.watchdog = setInterval(() => void this.relist(), this.options.relistEveryMs);
    this.watchdog.unref();
  }

  /** Enqueues every cluster the API server has now. */
  async relist(): Promise<void> {
    const scopes = this.options.namespaces.length > 0 ? this.options.namespaces : [undefined];
    for (const namespace of scopes) {
      try {
        for (const cluster of (await this.options.clusters.list(namespace)).items) this.options.enqueue(keyOf(cluster));
      } catch (error) {
        this.options.log.warn({ err: error }, 'watchdog relist failed');
      }
    }
    this.options.onRelist?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}
