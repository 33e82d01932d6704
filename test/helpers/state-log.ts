/**
 * Every MPDCluster change of one namespace, in the order the API server made them (one watch: etcd revision order),
 * so a test reads how many clusters were in a state at once from facts, never from sampling or sleeps.
 */
import { Watch } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { kube } from './stack';

export interface StateChange {
  name: string;
  state: string;
  held?: string;
  since?: string;
}

export interface StateLog {
  changes: StateChange[];
  /** The order in which clusters entered `state` (each entry once per entry). */
  entries(state: string): string[];
  /** Clusters whose latest change is in `state` / held for `reason`. */
  now(state: string): string[];
  heldNow(reason: string): string[];
  stop(): void;
}

export async function watchStates(namespace: string): Promise<StateLog> {
  const changes: StateChange[] = [];
  const latest = (): Map<string, StateChange> => new Map(changes.map((c) => [c.name, c]));
  const abort = await new Watch(kube().config).watch(
    MpdClusterClient.watchPath(namespace),
    {},
    (_phase: string, cluster: MPDCluster) => {
      const previous = latest().get(cluster.metadata.name!);
      const change = { name: cluster.metadata.name!, state: cluster.status?.clusterStatus ?? '', held: cluster.status?.held?.reason, since: cluster.status?.held?.since };
      if (previous?.state !== change.state || previous.held !== change.held) changes.push(change);
    },
    () => undefined,
  );
  return {
    changes,
    entries(state) {
      const current = new Map<string, string>();
      const order: string[] = [];
      for (const change of changes) {
        if (change.state === state && current.get(change.name) !== state) order.push(change.name);
        current.set(change.name, change.state);
      }
      return order;
    },
    now: (state) => [...latest().values()].filter((c) => c.state === state).map((c) => c.name),
    heldNow: (reason) => [...latest().values()].filter((c) => c.held === reason).map((c) => c.name),
    stop: () => abort.abort(),
  };
}
