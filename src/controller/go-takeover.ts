/**
 * Go takeover: the Go engine's memento of a cluster is read on first sight (once per cluster and process) and the
 * transition it recorded is taken over; `mpdflow migrate` does only that, through the same writes. A cluster seen
 * again after another operator had it (it left this controller's operatorName, or its record of transitions vanished)
 * is seen for the first time again, and its run numbers go on after its old runs' (adoption.ts).
 */
import type { ResourceRef } from '../contract/flow-run';
import type { MementoStore } from '../kube/memento-configmap';
import { mpdClusterRef, type MPDCluster } from '../kube/mpdcluster';
import { adoptedEvent, adoptRunIds, lostItsRecord } from './adoption';
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
  /** Clusters this process saw with a recorded transition: one seen later without it had it dropped by another writer. */
  private readonly recordSeen = new Set<string>();

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
    if (recorded) this.recordSeen.add(key);
    else if (this.recordSeen.delete(key)) this.mementosRead.delete(key);
    // A cluster mpdflow already ran transitions of has nothing to take over: no read, so a restart at scale costs no GET per such cluster.
    if (this.mementosRead.has(key) || (recorded && recorded.event !== migratedEvent && recorded.event !== adoptedEvent)) return undefined;
    if (lostItsRecord(cluster) && (await adoptRunIds(this.deps, cluster, resource))) {
      this.readFresh(key);
      return { requeueAfterMs: 0 };
    }
    const mementos = this.deps.mementos;
    if (!mementos) {
      this.mementosRead.add(key);
      return undefined;
    }
    const took = await this.takeOver(mementos, cluster, resource);
    if (took === 'blocked') return { requeueAfterMs: mementoRecheckMs };
    this.mementosRead.add(key);
    if (took !== 'wrote') return undefined;
    this.readFresh(key);
    return { requeueAfterMs: 0 };
  }

  /** The cluster left this controller (deleted, or another operator's): if it comes back, it is seen for the first time. */
  forget(key: string): void {
    this.mementosRead.delete(key);
    this.recordSeen.delete(key);
  }

  /**
   * `mpdflow migrate`: only the take-over of the cluster's memento and the start of the run it recorded, through the
   * same writes as a reconcile (no checker runs). Returns what the take-over did.
   */
  async migrate(ref: { namespace: string; name: string }): Promise<'wrote' | 'blocked' | 'none'> {
    if (!this.deps.mementos) throw new Error('this reconciler reads no mementos');
    const resource = mpdClusterRef(ref.namespace, ref.name);
    let current = await this.deps.clusters.get(ref);
    if (lostItsRecord(current) && (await adoptRunIds(this.deps, current, resource))) current = await this.deps.clusters.get(ref);
    const took = await this.takeOver(this.deps.mementos, current, resource);
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
