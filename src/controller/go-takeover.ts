/**
 * Go takeover: the Go engine's memento of a cluster is read on first sight (once per cluster and process) and the
 * transition it recorded is taken over; `mpdflow migrate` does only that, through the same writes.
 */
import type { ResourceRef } from '../contract/flow-run';
import type { MementoStore } from '../kube/memento-configmap';
import { mpdClusterRef, type MPDCluster } from '../kube/mpdcluster';
import { takeOverMemento } from './memento-migration';
import { migratedEvent } from './memento-plan';
import { clusterKey, fenced, type ReconcilerDeps } from './reconcile-deps';
import { writeTransition } from './transition-record';
import type { TransitionRuns } from './transition-run';

/** How soon a cluster whose memento cannot be read looks at it again (a person may have fixed it). */
const mementoRecheckMs = 30_000;

export class GoTakeover {
  /** Clusters whose Go engine memento this process has read (taken over, or found absent or marked). */
  private readonly mementosRead = new Set<string>();

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly runs: TransitionRuns,
    /** The cluster's next reconcile reads the API server (this part has just written it). */
    private readonly readFresh: (key: string) => void,
  ) {}

  /** Undefined to go on with the reconcile; else when to look again (the take-over wrote, or the memento is unreadable). */
  async onFirstSight(cluster: MPDCluster, resource: ResourceRef): Promise<{ requeueAfterMs: number } | undefined> {
    const key = clusterKey(resource);
    const recorded = cluster.status?.transition;
    const mementos = this.deps.mementos;
    // A cluster mpdflow already ran transitions of has nothing to take over: no read, so a restart at scale costs no GET per such cluster.
    if (!mementos || this.mementosRead.has(key) || (recorded && recorded.event !== migratedEvent)) return undefined;
    const took = await this.takeOver(mementos, cluster, resource);
    if (took === 'blocked') return { requeueAfterMs: mementoRecheckMs };
    this.mementosRead.add(key);
    if (took !== 'wrote') return undefined;
    this.readFresh(key);
    return { requeueAfterMs: 0 };
  }

  /**
   * `mpdflow migrate`: only the take-over of the cluster's memento and the start of the run it recorded, through the
   * same writes as a reconcile (no checker runs). Returns what the take-over did.
   */
  async migrate(ref: { namespace: string; name: string }): Promise<'wrote' | 'blocked' | 'none'> {
    if (!this.deps.mementos) throw new Error('this reconciler reads no mementos');
    const resource = mpdClusterRef(ref.namespace, ref.name);
    const took = await this.takeOver(this.deps.mementos, await this.deps.clusters.get(ref), resource);
    if (took !== 'wrote') return took;
    const cluster = await this.deps.clusters.get(ref);
    const transition = cluster.status?.transition;
    if (transition && this.deps.operator.stateMachine.normalize(cluster.status?.clusterStatus) === transition.to) {
      await this.runs.ensureRun(cluster, resource, transition, undefined, this.deps.log.child({ cluster: `${ref.namespace}/${ref.name}` }));
    }
    return took;
  }

  private takeOver(mementos: MementoStore, cluster: MPDCluster, resource: ResourceRef) {
    const deps = this.deps;
    return takeOverMemento({ ...deps, mementos, writeTransition: (...args) => writeTransition(deps, ...args), fence: () => fenced(deps) }, cluster, resource);
  }
}
