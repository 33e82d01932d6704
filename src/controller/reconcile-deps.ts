/** What every part of the reconcile is handed (the clients, the operator, the fence) and how a part answers. */
import type { Logger } from 'pino';
import type { ResourceRef } from '../contract/flow-run';
import type { ClusterEvent } from '../kube/cluster-events';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import type { MementoStore } from '../kube/memento-configmap';
import type { LoadedOperator } from '../operator-api/operator';
import type { FlowRuns } from '../temporal/flow-runs';
import { reportBadInput } from './bad-input';
import type { DisruptionBudget } from './disruption-budget';
import type { ControllerMetrics } from './metrics';

export interface ReconcilerDeps {
  clusters: MpdClusterClient;
  /** The state machine, spec check, flows and release flow of the operator this controller runs. */
  operator: LoadedOperator;
  runs: FlowRuns;
  /** Only clusters with this spec.operatorName (the seed's --filter-operator-name); all when undefined. */
  operatorName?: string;
  recordEvent(resource: ResourceRef, event: ClusterEvent): Promise<void>;
  /** Puts a key back on the queue (used when a watched run closes). */
  enqueue(key: string): void;
  /**
   * The cluster as the watch last delivered it, read instead of a GET: every write a reconcile makes is conditional
   * on the resourceVersion it read (or on exact values), so a stale copy costs a 409 and a fresh read, never a wrong write.
   */
  cached?(namespace: string, name: string): MPDCluster | undefined;
  /** Throws NotLeaderError once this controller may no longer act: called right before every write and start. */
  fence(): void;
  metrics: ControllerMetrics;
  log: Logger;
  /** At most K disruptive transitions at once across the clusters this controller manages; none: no limit. */
  budget?: DisruptionBudget;
  /** The Go engine's memento ConfigMaps, taken over on first sight of a cluster; none read when undefined. */
  mementos?: MementoStore;
  /** The Temporal Web UI's page of a run (status.workflow.webUiUrl); none without a Web UI. */
  runLink?(workflowId: string): string | undefined;
  /** Fault injection for tests: called between the status patch and the flow start. */
  afterStatusPatch?: () => void;
}

export type ReconcileResult = { requeueAfterMs?: number } | void;

/** The work queue's key of a cluster. */
export function clusterKey(resource: ResourceRef): string {
  return `${resource.namespace}/${resource.name}`;
}

/** Throws unless this controller may act now; returns when it checked, logged with the action so a soak can verify the fence. */
export function fenced(deps: Pick<ReconcilerDeps, 'fence'>): number {
  deps.fence();
  return Date.now();
}

/** Bad input on the cluster (a condition and one Event, not repeated), logged when this reconcile wrote it. */
export async function refuseInput(deps: ReconcilerDeps, cluster: MPDCluster, resource: ResourceRef, reason: string, message: string): Promise<ReconcileResult> {
  fenced(deps);
  if (await reportBadInput(deps, cluster, resource, reason, message)) {
    deps.log.warn({ cluster: clusterKey(resource), reason }, message);
  }
}
