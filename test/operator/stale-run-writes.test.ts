/**
 * A run writes on the cluster only while the cluster is in that run's transition (issue 21): a late or retried
 * interrupt or completion of a run the cluster has left (its transition resumed by another run, a newer transition,
 * the cluster re-created under the same name) writes nothing, and a step refuses a cluster that is not its run's.
 * No controller here: the cluster is put in each situation by hand, and the writes are made as a late attempt would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { transitionWorkflowId, type FlowEvent } from '../../src/contract/flow-run';
import { States } from '../../src/contract/states';
import { InterruptError } from '../../src/flows/step';
import { rootLogger } from '../../src/infra/log';
import { interruptAnnotations } from '../../src/kube/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { TransitionStatus } from '../../src/kube/mpdcluster-schema';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { MpdClusterFlowResource } from '../../src/worker/mpdcluster-flow-resource';
import { sharedSteps } from '../../activities/shared';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { stepAttempt } from '../helpers/step-context';

let ns: string;
const log = rootLogger.child({ test: 'stale-run-writes' });

before(async () => {
  ns = await testNamespace('stale-writes');
});
after(async () => {
  await releaseTestNamespace(ns);
});

const flowName = 'SharedStorageClusterRemoveRo';
const state = 'RemoveRo';

/** A cluster in transition 2 of RemoveRo, run by `workflowId` (its status.workflow showing that run). */
async function clusterInTransition(name: string, runOf: (uid: string) => string): Promise<{ cluster: MPDCluster; workflowId: string }> {
  const ref = { namespace: ns, name };
  const created = await clusters().create(sampleCluster(ns, name, { followerNum: 1 }));
  const workflowId = runOf(created.metadata.uid!);
  const transition: TransitionStatus = { id: 2, from: States.running, to: state, flowName, event: 'RemoveRo', params: {}, trigger: { removeIns: 'ins-2' }, workflowId };
  const cluster = await clusters().patchStatus(ref, {
    clusterStatus: state,
    transition,
    workflow: { flowName, phase: 'Running', step: 'RemoveRo', stepIndex: 2, stepTotal: 5, workflowId, runId: 'current', message: 'step 2/5 RemoveRo' },
  });
  return { cluster, workflowId };
}

function lateEvent(ref: { namespace: string; name: string }, workflowId: string): FlowEvent {
  return { resource: { resourceType: 'MPDCluster', ...ref }, flowName, workflowId, runId: 'late', total: 5, state, stepName: 'RemoveRo', index: 2 };
}

const flowResource = () => new MpdClusterFlowResource(kube(), { temporalNamespace: 'default', log, progress: false });

test('a late interrupt of a run whose transition was resumed by another run writes nothing', async () => {
  const ref = { namespace: ns, name: 'late-interrupt' };
  // The transition was recovered: its resumed run (-r1) runs now; the first run's bookkeeping comes late.
  const { cluster } = await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2, 1));
  const firstRun = transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, cluster.metadata.uid!, 2, 0);
  await flowResource().markInterrupted(lateEvent(ref, firstRun), { reason: 'LATE', message: 'a late attempt', step: 'RemoveRo' });
  const after = await clusters().get(ref);
  assert.equal(after.status?.clusterStatus, state, 'the resumed run keeps its state');
  assert.equal(after.status?.workflow?.phase, 'Running');
  assert.equal(after.metadata.annotations?.[interruptAnnotations.reason], undefined, 'no interrupt annotations');
});

test("the run the cluster is in still writes its interrupt", async () => {
  const ref = { namespace: ns, name: 'own-interrupt' };
  const { workflowId } = await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2, 1));
  await flowResource().markInterrupted(lateEvent(ref, workflowId), { reason: 'OWN', message: 'its own interrupt', step: 'RemoveRo' });
  const after = await clusters().get(ref);
  assert.equal(after.status?.clusterStatus, States.interrupt);
  assert.equal(after.status?.workflow?.failedStep, 'RemoveRo');
  assert.equal(after.metadata.annotations?.[interruptAnnotations.reason], 'OWN');
  assert.equal(after.metadata.annotations?.[interruptAnnotations.previousStatus], state);
});

test('a late completion of a run the cluster has left writes nothing', async () => {
  const ref = { namespace: ns, name: 'late-complete' };
  const { cluster, workflowId } = await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2, 1));
  const firstRun = transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, cluster.metadata.uid!, 2, 0);
  await flowResource().markCompleted(lateEvent(ref, firstRun));
  const after = await clusters().get(ref);
  assert.equal(after.status?.clusterStatus, state);
  assert.equal(after.status?.workflow?.workflowId, workflowId, 'status.workflow still shows the current run');
  assert.equal(after.status?.workflow?.phase, 'Running');
});

test('a late interrupt of a run of a cluster deleted and re-created under its name writes nothing', async () => {
  const ref = { namespace: ns, name: 'late-recreated' };
  const { cluster } = await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2));
  // Same name, same transition number, another object: the old object's run must not touch it.
  const oldRun = transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, 'uid-of-the-deleted-object', 2);
  assert.notEqual(cluster.metadata.uid, 'uid-of-the-deleted-object');
  await flowResource().markInterrupted(lateEvent(ref, oldRun), { reason: 'LATE', message: 'a late attempt', step: 'RemoveRo' });
  const after = await clusters().get(ref);
  assert.equal(after.status?.clusterStatus, state);
  assert.equal(after.metadata.annotations?.[interruptAnnotations.reason], undefined);
});

test("a step refuses a cluster whose uid is not its run's, and changes nothing", async () => {
  const ref = { namespace: ns, name: 'step-recreated' };
  await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2));
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.tempRoIds]: 'ins-9' } } });
  const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, 'uid-of-the-deleted-object', 2);
  const { ctx: context } = stepAttempt(ref, { workflowId, flowName, stepName: 'CleanAllTempMeta', state });
  await assert.rejects(sharedSteps['workflow_shared.CleanAllTempMeta']!().doStep(context), (error: unknown) => {
    assert.ok(error instanceof InterruptError, `an InterruptError, not ${String(error)}`);
    assert.equal(error.code, 'CLUSTER_REPLACED');
    assert.match(error.message, /uid/);
    return true;
  });
  assert.equal((await clusters().get(ref)).metadata.annotations?.[triggerAnnotations.tempRoIds], 'ins-9', 'the step changed nothing');
});

test('a hold is on the cluster when its activity completes, even while the cluster rests between two progress writes', async () => {
  const ref = { namespace: ns, name: 'hold-written' };
  const { workflowId } = await clusterInTransition(ref.name, (uid) => transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, uid, 2));
  // Progress writes at most once a second: the hold comes right after one (the soak's worker was killed 0.3 s after
  // a queued hold, which then never landed).
  const resource = new MpdClusterFlowResource(kube(), { temporalNamespace: 'default', log, progress: true, progressIntervalMs: 5_000 });
  const event = { ...lateEvent(ref, workflowId), runId: 'current' };
  resource.reportProgress(event);
  await resource.markHeld({ ...event, index: 3, stepName: 'RemoveRo' }, { kind: 'approval', step: 'RemoveRo', reason: 'asks for approval', since: new Date().toISOString() });
  const workflow = (await clusters().get(ref)).status?.workflow;
  assert.equal(workflow?.phase, 'AwaitingApproval', 'the hold landed before the activity that announces it completed');
  await resource.drain();
});
