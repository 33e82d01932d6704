/**
 * One reconcile of one MPDCluster: the seed's DoStateMainEnter and CheckRecovery, on Temporal. This file only reads
 * the cluster and hands it to the part whose concern it is; each part is a file beside this one:
 * admission.ts (windows, budget) · go-takeover.ts · transitions.ts · transition-record.ts · transition-run.ts (runs)
 * · run-watch.ts · cancel.ts · recover.ts · deletion.ts · stale-requests.ts.
 */
import type { Logger } from 'pino';
import type { ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { cancelledAnnotation } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import { mpdClusterRef, type MPDCluster } from '../kube/mpdcluster';
import { Admission } from './admission';
import { clearBadInput } from './bad-input';
import { Cancels } from './cancel';
import { reconcileDeletion } from './deletion';
import { GoTakeover } from './go-takeover';
import { NotLeaderError } from './not-leader';
import { refuseInput, type ReconcileResult, type ReconcilerDeps } from './reconcile-deps';
import { carriesInterrupt, clearInterruptBeforeRun, recover, recoveryRequested } from './recover';
import { RunWatch } from './run-watch';
import { removeStaleRequests } from './stale-requests';
import { TransitionRuns } from './transition-run';
import { Transitions } from './transitions';

export type { ReconcileResult, ReconcilerDeps } from './reconcile-deps';

export class Reconciler {
  /** Keys whose last write hit a conflict: their next reconcile reads the API server, not the watch's copy. */
  private readonly readFresh = new Set<string>();
  private readonly watch: RunWatch;
  private readonly admission: Admission;
  private readonly runs: TransitionRuns;
  private readonly transitions: Transitions;
  private readonly cancels: Cancels;
  private readonly takeover: GoTakeover;

  constructor(private readonly deps: ReconcilerDeps) {
    this.watch = new RunWatch(deps);
    this.admission = new Admission(deps);
    this.runs = new TransitionRuns(deps, this.watch);
    this.transitions = new Transitions(deps, this.admission, this.runs);
    this.cancels = new Cancels(deps, this.watch);
    this.takeover = new GoTakeover(deps, this.runs, (key) => this.readFresh.add(key));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const resource = mpdClusterRef(namespace, name);
    const log = this.deps.log.child({ cluster: key });
    try {
      let cluster = this.readFresh.delete(key) ? undefined : this.deps.cached?.(namespace, name);
      if (!cluster) {
        try {
          cluster = await this.deps.clusters.get({ namespace, name });
        } catch (error) {
          if (apiStatus(error) !== 404) throw error;
          this.admission.wakeBudgetQueue(key, undefined);
          this.takeover.forget(key);
          // The cluster is gone: its running flow has nothing left to act on.
          await this.cancels.cancelWatchedRun(key, 'cluster deleted', log);
          return;
        }
      }
      this.admission.wakeBudgetQueue(key, cluster);
      this.watch.hurryClosing(key, cluster);
      if (this.deps.operatorName && cluster.spec.operatorName !== this.deps.operatorName) return this.takeover.forget(key);
      return await this.reconcileCluster(cluster, resource, log);
    } catch (error) {
      if (error instanceof NotLeaderError) {
        log.info('not the leader any more; leaving the cluster to the new one');
        return;
      }
      if (apiStatus(error) === 409) {
        log.debug('conflicting write; reconciling again from a fresh read');
        this.readFresh.add(key);
        return { requeueAfterMs: 0 };
      }
      throw error;
    }
  }

  /** `mpdflow migrate`: the Go takeover of one cluster and the start of the run it recorded (go-takeover.ts). */
  migrate(ref: { namespace: string; name: string }): Promise<'wrote' | 'blocked' | 'none'> {
    return this.takeover.migrate(ref);
  }

  /** Stops watching runs; call before closing the Temporal connection. */
  close(): void {
    this.watch.close();
  }

  private async reconcileCluster(cluster: MPDCluster, resource: ResourceRef, log: Logger): Promise<ReconcileResult> {
    const sm = this.deps.operator.stateMachine;
    const annotations = cluster.metadata.annotations ?? {};
    if (cluster.metadata.deletionTimestamp) return reconcileDeletion(this.deps, this.watch, cluster, resource, log);

    const state = sm.normalize(cluster.status?.clusterStatus);
    if (!sm.isRegistered(state)) {
      return refuseInput(this.deps, cluster, resource, 'UnknownState', `status.clusterStatus "${state}" is not a state of this operator; known: ${sm.states().join(', ')}`);
    }
    const atRest = !cluster.status?.clusterStatus || sm.isStable(state);
    if (atRest && (await removeStaleRequests(this.deps, cluster, resource, state))) return;
    const problem = this.deps.operator.validate?.(cluster);
    if (problem) {
      const refused = refuseInput(this.deps, cluster, resource, 'InvalidSpec', problem);
      // At rest the refusal holds the cluster; during a flow it is reported at once and the flow goes on.
      if (atRest) return refused;
      await refused;
    } else await clearBadInput(this.deps, cluster, resource, ['UnknownState', 'InvalidSpec']);
    const takenOver = await this.takeover.onFirstSight(cluster, resource);
    if (takenOver) return takenOver;

    if (sm.isStable(state)) {
      if (annotations[cancelledAnnotation] === 'true') return this.cancels.consumeCancel(resource, 'no flow is running', log);
      if (state === States.interrupt && recoveryRequested(annotations)) return recover(this.deps, cluster, resource, log);
      return this.transitions.checkTransitions(cluster, resource, state, log);
    }

    const transition = cluster.status?.transition;
    if (!transition || transition.to !== state) return this.transitions.enterUnrecordedState(cluster, resource, state, log);
    const run = await this.watch.runOf(resource, transition.workflowId);
    // The cancel first: one recorded before its run started but cut off before its state write is finished, not cleared away.
    if (annotations[cancelledAnnotation] === 'true') return this.cancels.cancelTransition(cluster, resource, transition, run, log);
    if (!run && carriesInterrupt(annotations)) return clearInterruptBeforeRun(this.deps, cluster, resource);
    return this.runs.ensureRun(cluster, resource, transition, run, log);
  }
}
