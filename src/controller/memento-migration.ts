import { transitionWorkflowId, type ResourceRef } from '../contract/flow-run';
import type { ClusterEvent } from '../kube/cluster-events';
import { isMarked, markedThrough, mementoMarks, mementoName, mementoOwnerUid, type MementoConfigMap, type MementoStore } from '../kube/memento-configmap';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MPDClusterStatus, TransitionStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import { mergeReplacing } from '../kube/merge-replace';
import type { LoadedOperator } from '../operator-api/operator';
import { adoptedEvent } from './adoption';
import { clearBadInput, reportBadInput, type BadInputDeps } from './bad-input';
import { MementoProblem, parseMemento } from './memento-parse';
import { describePlan, migratedEvent, planMigration, type MigrationFacts, type MigrationPlan } from './memento-plan';

/** The reason of the InputValid condition and the Event when a memento cannot be read. */
export const malformedMementoReason = 'MalformedMemento';

/** A cluster's memento as read now: absent, already taken over, unreadable, or a plan. */
export type MementoReading =
  | { kind: 'none' }
  | { kind: 'marked'; memento: MementoConfigMap; at: string; outcome: string; workflowId: string }
  | { kind: 'malformed'; memento: MementoConfigMap; problem: string }
  | { kind: 'foreign'; memento: MementoConfigMap; ownerUid: string }
  | { kind: 'plan'; memento: MementoConfigMap; plan: MigrationPlan; through: number };

export function migrationFacts(operator: LoadedOperator): MigrationFacts {
  const sm = operator.stateMachine;
  return {
    flows: operator.flows,
    isStable: (state) => sm.isStable(state),
    entryOf: (state) => {
      const entry = sm.entryOf(state);
      return entry ? { flowName: entry.flowName, ignoreUnCompleted: entry.options.ignoreUnCompleted ?? false } : undefined;
    },
  };
}

/** Reads the cluster's memento and decides what to do with it; writes nothing (`mpdflow migrate --dry-run` prints this). */
export async function readMemento(store: MementoStore, cluster: MPDCluster, operator: LoadedOperator): Promise<MementoReading> {
  const name = cluster.metadata.name ?? '';
  const memento = await store.get(cluster.metadata.namespace ?? '', name);
  if (!memento) return { kind: 'none' };
  // A cluster re-created under the same name while its predecessor's memento lingers (garbage collection takes a while).
  const ownerUid = mementoOwnerUid(memento);
  if (ownerUid && cluster.metadata.uid && ownerUid !== cluster.metadata.uid) return { kind: 'foreign', memento, ownerUid };
  const annotations = memento.metadata.annotations ?? {};
  if (isMarked(memento)) {
    return { kind: 'marked', memento, at: annotations[mementoMarks.at]!, outcome: annotations[mementoMarks.outcome] ?? '', workflowId: annotations[mementoMarks.workflowId] ?? '' };
  }
  try {
    const runtimes = parseMemento(memento.data);
    // Keys an earlier take-over covered are history: only what the Go engine wrote since is planned from.
    const takenOver = markedThrough(memento) ?? 0;
    const transition = cluster.status?.transition;
    const plan = planMigration(
      runtimes.filter((r) => r.id > takenOver),
      {
        name,
        state: operator.stateMachine.normalize(cluster.status?.clusterStatus),
        annotations: cluster.metadata.annotations ?? {},
        // A record adopted from lost ones (adoption.ts) is no run of mpdflow's: the memento is newer than it.
        ...(transition && transition.event !== adoptedEvent ? { transitionId: transition.id } : {}),
      },
      migrationFacts(operator),
    );
    return { kind: 'plan', memento, plan, through: Math.max(0, ...runtimes.map((r) => r.id)) };
  } catch (error) {
    if (!(error instanceof MementoProblem)) throw error;
    return { kind: 'malformed', memento, problem: error.message };
  }
}

export interface MementoTakeOverDeps extends BadInputDeps {
  mementos: MementoStore;
  operator: LoadedOperator;
  recordEvent(resource: ResourceRef, event: ClusterEvent): Promise<void>;
  /** The reconciler's one write of a transition (conditional on the object read, fenced). */
  writeTransition(cluster: MPDCluster, resource: ResourceRef, status: Partial<MPDClusterStatus>, record: TransitionStatus): Promise<unknown>;
  fence(): void;
}

/**
 * The first look at a cluster's memento: the transition that carries its flow on is written (through the same write as
 * any transition, so its run starts once under its own id), then the memento is marked. A restart between the two
 * finds the transition, recognises it and only marks. Returns whether the cluster was written or must wait.
 */
export async function takeOverMemento(deps: MementoTakeOverDeps, cluster: MPDCluster, resource: ResourceRef): Promise<'wrote' | 'blocked' | 'none'> {
  const reading = await readMemento(deps.mementos, cluster, deps.operator);
  if (reading.kind === 'none' || reading.kind === 'marked') return 'none';
  const where = `ConfigMap ${resource.namespace}/${mementoName(resource.name)}`;
  if (reading.kind === 'foreign') {
    // Not ours to resume nor to mark: said once (mementos are read once per cluster and process).
    await deps.recordEvent(resource, { type: 'Normal', reason: 'ForeignMemento', message: foreignMessage(where, reading.ownerUid, cluster.metadata.uid ?? '') });
    return 'none';
  }
  if (reading.kind === 'malformed') {
    deps.fence();
    const message = `${where} (the Go engine's memento) cannot be migrated: ${reading.problem}. Nothing was resumed; fix it, or annotate it ${mementoMarks.at}=<time> to leave it unmigrated`;
    await reportBadInput(deps, cluster, resource, malformedMementoReason, message);
    return 'blocked';
  }
  await clearBadInput(deps, cluster, resource, [malformedMementoReason]);
  const transition = cluster.status?.transition;
  if (transition?.event === migratedEvent) {
    // Written by a pass that stopped before marking: the run is that transition's.
    deps.fence();
    await deps.mementos.mark(reading.memento, { outcome: `resumed at ${transition.resumeFrom || 'the first step'}`, workflowId: transition.workflowId, through: reading.through });
    return 'none';
  }
  const { plan, memento } = reading;
  const record = plan.kind === 'nothing' ? undefined : migratedTransition(cluster, resource, plan, await goFlowTrigger(deps.operator, cluster, plan));
  if (plan.kind === 'resume') {
    // A "" state is Creating: written with the transition, as for any state entered without one.
    const stateWritten = (cluster.status?.clusterStatus ?? '') === plan.state ? {} : { clusterStatus: plan.state };
    await deps.writeTransition(cluster, resource, stateWritten, record!);
  } else if (plan.kind === 'interrupted') {
    const workflow: WorkflowStatus = {
      flowName: plan.flowName,
      phase: 'Interrupted',
      step: plan.failedStep,
      stepIndex: plan.stepIndex,
      stepTotal: plan.stepTotal,
      failedStep: plan.failedStep,
      message: `interrupted under the Go engine (${memento.metadata.name}, key ${plan.key})`,
      updatedAt: new Date().toISOString(),
    };
    const status = { workflow: mergeReplacing(cluster.status?.workflow, workflow) as WorkflowStatus };
    // Only an unstable previous state has a flow to resume; a stable one is restored without a run, as in recover().
    if (record && plan.previousState && !deps.operator.stateMachine.isStable(plan.previousState)) await deps.writeTransition(cluster, resource, status, record);
    else {
      deps.fence();
      await deps.clusters.patchStatus(resource, status, cluster.metadata.resourceVersion);
    }
  }
  deps.fence();
  const workflowId = plan.kind === 'resume' ? record!.workflowId : '';
  await deps.mementos.mark(memento, { outcome: outcomeOf(plan), workflowId, through: reading.through });
  await deps.recordEvent(resource, { type: 'Normal', reason: 'Migrated', message: `${where}: ${describePlan(plan)}` });
  return plan.kind === 'nothing' ? 'none' : 'wrote';
}

export const foreignMessage = (where: string, ownerUid: string, uid: string) =>
  `${where} (the Go engine's memento) belongs to an earlier cluster of this name (uid ${ownerUid}, this one is ${uid}): nothing of it is resumed`;

/**
 * The request the Go flow consumed, as its state's checker reads it on the annotations the Go engine left: recorded, so
 * the resumed run's cleanup (or a cancel of it) removes it and it never fires the same operation again.
 */
async function goFlowTrigger(operator: LoadedOperator, cluster: MPDCluster, plan: Exclude<MigrationPlan, { kind: 'nothing' }>): Promise<Record<string, string> | undefined> {
  const entry = operator.stateMachine.entryOf(plan.kind === 'resume' ? plan.state : plan.previousState);
  try {
    return (await entry?.checker(cluster))?.trigger;
  } catch {
    return undefined; // a checker's error surfaces where checkers run; the take-over records no trigger
  }
}

function migratedTransition(cluster: MPDCluster, resource: ResourceRef, plan: Exclude<MigrationPlan, { kind: 'nothing' }>, trigger: Record<string, string> | undefined): TransitionStatus {
  const id = (cluster.status?.transition?.id ?? 0) + 1;
  return {
    id,
    from: '',
    to: plan.kind === 'resume' ? plan.state : plan.previousState,
    flowName: plan.flowName,
    event: migratedEvent,
    ...(trigger ? { trigger } : {}),
    params: plan.params,
    resumes: 0,
    resumeFrom: plan.kind === 'resume' ? plan.resumeFrom : plan.failedStep,
    carriedOutputs: plan.carriedOutputs,
    workflowId: transitionWorkflowId(resource, cluster.metadata.uid ?? '', id),
    interruptStreak: 0,
    writtenAt: new Date().toISOString(),
  };
}

function outcomeOf(plan: MigrationPlan): string {
  switch (plan.kind) {
    case 'resume':
      return `resumed at ${plan.resumeFrom}`;
    case 'interrupted':
      return `interrupted at ${plan.failedStep}`;
    case 'nothing':
      return `nothing to resume: ${plan.why}`;
  }
}
