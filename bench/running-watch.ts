/**
 * The clusters of a namespace seen Running, for a benchmark waiting on a burst: a watch started again whenever it
 * ends, and a list when it has said nothing for a while (a 1,000-cluster burst on a busy machine once left the bench's
 * single watch waiting for events that had already happened). A healthy watch costs no list.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeClients } from '../src/kube/client';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';

export interface RunningWatch {
  names: Set<string>;
  stop(): void;
}

export async function watchRunning(kube: KubeClients, namespace: string, quietMs = 10_000): Promise<RunningWatch> {
  const names = new Set<string>();
  const clusters = new MpdClusterClient(kube);
  let stopped = false;
  let lastHeard = Date.now();
  let current: { abort(): void } | undefined;
  const seen = (cluster: MPDCluster) => {
    lastHeard = Date.now();
    if (cluster.status?.clusterStatus === 'Running') names.add(cluster.metadata.name ?? '');
  };
  const start = async (): Promise<void> => {
    current = await new Watch(kube.config).watch(
      MpdClusterClient.watchPath(namespace),
      {},
      (_phase, object: MPDCluster) => seen(object),
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => undefined), 500);
      },
    );
  };
  await start();
  const timer = setInterval(() => {
    if (Date.now() - lastHeard < quietMs) return;
    lastHeard = Date.now();
    void clusters
      .list(namespace)
      .then(({ items }) => items.forEach(seen))
      .catch(() => undefined);
  }, 1_000);
  return {
    names,
    stop() {
      stopped = true;
      clearInterval(timer);
      current?.abort();
    },
  };
}
