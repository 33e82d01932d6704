/** What a run acts on and writes (issue 21): its own object, its own transition's request, its leader's fence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlowWorkflowId, transitionKeyOf, transitionWorkflowId } from '../../src/contract/flow-run';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { isReplaced, stillRunsCluster } from '../../src/kube/run-owner';
import { clearBadInput, reportBadInput } from '../../src/controller/bad-input';
import { NotLeaderError } from '../../src/controller/not-leader';
import { recordedRequest } from '../../activities/shared/run-record';
import { cancelConsumedParams } from '../../src/kube/consumed-trigger';

const resource = { resourceType: 'MPDCluster', namespace: 'ns', name: 'c' };
const t2 = transitionWorkflowId(resource, 'uid-a', 2);
const t2r1 = transitionWorkflowId(resource, 'uid-a', 2, 1);

function cluster(workflowId: string, annotations: Record<string, string> = {}, trigger?: Record<string, string>): MPDCluster {
  return {
    apiVersion: 'mpd.polardb.aliyun.com/v1',
    kind: 'MPDCluster',
    metadata: { name: 'c', namespace: 'ns', uid: 'uid-a', annotations, resourceVersion: '7' },
    spec: {},
    status: {
      clusterStatus: 'MigrateRo',
      transition: { id: 2, from: 'Running', to: 'MigrateRo', flowName: 'F', event: 'MigrateRo', params: {}, workflowId, ...(trigger ? { trigger } : {}) },
      conditions: [{ type: 'InputValid', status: 'False', reason: 'UnknownFlow', message: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  } as MPDCluster;
}

test('a run id names its object and its transition number, a resumed run the same number', () => {
  assert.deepEqual(parseFlowWorkflowId(t2), { uid: 'uid-a', kind: 'transition', transition: 2 });
  assert.deepEqual(parseFlowWorkflowId(t2r1), { uid: 'uid-a', kind: 'transition', transition: 2 });
  assert.deepEqual(parseFlowWorkflowId(transitionWorkflowId(resource, 'uid-a', 13)).transition, 13);
  assert.equal(parseFlowWorkflowId('some/ad-hoc/id').kind, 'ad-hoc');
});

test('a step reads the request its transition recorded, never the annotation as it is now', () => {
  const recorded = cluster(t2r1, { migrate: 'ins-1|node-9' }, { migrate: 'ins-2|node-2' });
  // A resumed run keeps its transition's key: it reads the same record.
  assert.equal(recordedRequest({ params: {}, transitionKey: transitionKeyOf(t2) }, recorded, 'migrate'), 'ins-2|node-2');
  assert.equal(recordedRequest({ params: {}, transitionKey: transitionKeyOf(t2r1) }, recorded, 'migrate'), 'ins-2|node-2');
  // Another transition's record is not this run's request; nor is the live annotation.
  assert.equal(recordedRequest({ params: {}, transitionKey: transitionWorkflowId(resource, 'uid-a', 1) }, recorded, 'migrate'), undefined);
  assert.equal(recordedRequest({ params: {}, transitionKey: transitionKeyOf(t2) }, cluster(t2, { migrate: 'ins-1|node-9' }), 'migrate'), undefined);
  // A request withdrawn since (annotation removed) is declined, as the seed did: it is never taken for another.
  assert.equal(recordedRequest({ params: {}, transitionKey: transitionKeyOf(t2) }, cluster(t2, {}, { migrate: 'ins-2|node-2' }), 'migrate'), undefined);
  // The event's params come first (RestartIns' insId and the like).
  assert.equal(recordedRequest({ params: { migrate: 'ins-3|node-3' }, transitionKey: transitionKeyOf(t2) }, recorded, 'migrate'), 'ins-3|node-3');
});

test("a run's cluster: the same object, and for a transition's run, still in that run's transition", () => {
  assert.equal(stillRunsCluster(cluster(t2r1), t2r1), true);
  assert.equal(stillRunsCluster(cluster(t2r1), t2), false, 'the first run of a resumed transition');
  assert.equal(stillRunsCluster(cluster(t2), transitionWorkflowId(resource, 'uid-b', 2)), false, 'a namesake');
  assert.equal(isReplaced(cluster(t2), transitionWorkflowId(resource, 'uid-b', 2)), true);
  assert.equal(isReplaced(cluster(t2), 'MPDCluster/ns/c'), false, 'an ad-hoc run names no uid');
  assert.equal(stillRunsCluster(cluster(t2), 'MPDCluster/ns/c'), true);
});

test('clearing or reporting bad input is fenced: a deposed leader writes nothing', async () => {
  const writes: unknown[] = [];
  const clusters = { patchStatus: async (...args: unknown[]) => void writes.push(args) } as unknown as MpdClusterClient;
  const deps = {
    clusters,
    recordEvent: async () => undefined,
    fence: () => {
      throw new NotLeaderError('lease lost');
    },
  };
  await assert.rejects(clearBadInput(deps, cluster(t2), { namespace: 'ns', name: 'c' }, ['UnknownFlow']), NotLeaderError);
  await assert.rejects(reportBadInput(deps, cluster(t2), { namespace: 'ns', name: 'c' }, 'InvalidSpec', 'no'), NotLeaderError);
  assert.deepEqual(writes, []);
});

test('a recovery after a cancel resumes with the trigger the cancel consumed; after any other interrupt a withdrawn trigger stays withdrawn', () => {
  const consumed = cluster(t2, {}, { removeIns: 'ins-2' });
  assert.deepEqual(cancelConsumedParams(consumed, 'CANCELLED'), { removeIns: 'ins-2' });
  assert.deepEqual(cancelConsumedParams(consumed, 'TERMINATED'), { removeIns: 'ins-2' });
  assert.deepEqual(cancelConsumedParams(consumed, 'TARGET_NODE_UNAVAILABLE'), {}, 'withdrawn by hand: declined');
  assert.deepEqual(cancelConsumedParams(cluster(t2, { removeIns: 'ins-3' }, { removeIns: 'ins-2' }), 'CANCELLED'), {}, 'written again: a new request, not this one');
});
