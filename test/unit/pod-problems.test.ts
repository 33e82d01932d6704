/** How a starting pod's status (as the kubelet and the scheduler write it) becomes the seed's interrupt codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { podProblem, podWaitLimits } from '../../activities/shared/pod-readiness';

const created = Date.parse('2026-01-01T00:00:00Z');
const pod = (status: V1Pod['status'], metadata: V1Pod['metadata'] = {}): V1Pod => ({
  metadata: { namespace: 'ns', name: 'pc-ins-1', creationTimestamp: new Date(created), ...metadata },
  status,
});
const scheduled = { type: 'PodScheduled', status: 'True' };
const container = (state: V1ContainerStatus['state'], extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name: 'engine', image: 'localhost/mpdflow/engine:v9', imageID: '', ready: false, restartCount: 0, state, ...extra,
});

test('a pod that may still start is no problem: pending, creating, one crash the kubelet mends, Ready', () => {
  assert.equal(podProblem(pod({ phase: 'Pending' }), created + 1000), undefined);
  assert.equal(podProblem(pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [container({ waiting: { reason: 'ContainerCreating' } })] }), created + 5000), undefined);
  const once = container({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 1, lastState: { terminated: { exitCode: 1 } } });
  assert.equal(podProblem(pod({ phase: 'Running', conditions: [scheduled], containerStatuses: [once] }), created + 20_000), undefined);
  const ready = pod({ phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'True' }] });
  assert.equal(podProblem(ready, created + 10 * podWaitLimits.readyMs), undefined);
});

test('an image that cannot be pulled interrupts at once, in the kubelet words', () => {
  for (const reason of ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']) {
    const problem = podProblem(pod({ phase: 'Pending', conditions: [scheduled], containerStatuses: [container({ waiting: { reason, message: 'not found' } })] }), created + 1000);
    assert.equal(problem?.code, 'IMAGE_PULL_FAIL', reason);
    assert.match(problem!.message, new RegExp(`image localhost/mpdflow/engine:v9 cannot be used \\(${reason}\\): not found`));
  }
});

test('an engine that keeps exiting, or a failed pod, is DB_START_FAIL with its exit', () => {
  const looping = container({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 2, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
  const problem = podProblem(pod({ phase: 'Running', conditions: [scheduled], containerStatuses: [looping] }), created + 30_000);
  assert.equal(problem?.code, 'DB_START_FAIL');
  assert.match(problem!.message, /the engine keeps exiting \(2 restarts, last exit code 1 \(Error\)\)/);
  assert.equal(podProblem(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), created)?.code, 'DB_START_FAIL');
});

test('a pod nothing schedules gets its whole wait again after a node became Ready or stopped being Ready', () => {
  // Every node NotReady and tainted for a minute after API server restarts (the 25-cluster soak, 2026-12-07).
  const refused = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/2 nodes are available: 2 node(s) had untolerated taint(s)" }] });
  const later = created + podWaitLimits.unschedulableMs + 60_000;
  assert.equal(podProblem(refused, later, { nodesChangedAt: later - 30_000 }), undefined, 'the nodes came back 30 s ago: the scheduler gets its time');
  assert.equal(podProblem(refused, later, { nodesChangedAt: later - podWaitLimits.unschedulableMs - 1 })?.code, 'POD_UNSCHEDULED');
  assert.equal(podProblem(refused, later, { nodesChangedAt: 0 })?.code, 'POD_UNSCHEDULED', 'no node changed: the wait counts from the pod');
});

test('a claim the scheduler says is not found, but that exists, is waited for as long as a start, and said so', () => {
  // The scheduler's cache of claims lagged over two minutes behind API server restarts (the 25-cluster soak, pc-15).
  const message = '0/2 nodes are available: persistentvolumeclaim "pc-15-data" not found. preemption: 0/2 nodes are available';
  const refused = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] });
  const pastUnschedulable = created + podWaitLimits.unschedulableMs + 1;
  assert.equal(podProblem(refused, pastUnschedulable)?.code, 'POD_UNSCHEDULED', 'a claim that is gone: the usual wait');
  assert.equal(podProblem(refused, pastUnschedulable, { existingClaims: new Set(['other']) })?.code, 'POD_UNSCHEDULED');
  const exists = { existingClaims: new Set(['pc-15-data']) };
  assert.equal(podProblem(refused, pastUnschedulable, exists), undefined, 'the claim exists: the scheduler gets its time');
  const problem = podProblem(refused, created + podWaitLimits.readyMs + 1, exists);
  assert.equal(problem?.code, 'POD_UNSCHEDULED');
  assert.match(problem!.message, /claim pc-15-data exists: the scheduler has not seen it/);
});

test('unschedulable or unready past the limits: POD_UNSCHEDULED, DB_START_FAIL; a pod being deleted: POD_LOST', () => {
  const unschedulable = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] });
  assert.equal(podProblem(unschedulable, created + podWaitLimits.unschedulableMs - 1), undefined);
  assert.equal(podProblem(unschedulable, created + podWaitLimits.unschedulableMs + 1)?.code, 'POD_UNSCHEDULED');
  assert.match(podProblem(unschedulable, created + podWaitLimits.unschedulableMs + 1)!.message, /0\/1 nodes are available/);
  const unready = pod({ phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }], containerStatuses: [container({ running: {} })] });
  assert.equal(podProblem(unready, created + podWaitLimits.readyMs - 1), undefined);
  assert.equal(podProblem(unready, created + podWaitLimits.readyMs + 1)?.code, 'DB_START_FAIL');
  assert.equal(podProblem(pod({ phase: 'Running' }, { deletionTimestamp: new Date(created) }), created)?.code, 'POD_LOST');
});

test('unready counts from the last time the pod stopped being Ready: a pod that served long and just missed a probe is no problem yet', () => {
  const wentUnready = created + 3_600_000;
  const blip = pod({ phase: 'Running', conditions: [scheduled, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: new Date(wentUnready) }], containerStatuses: [container({ running: {} })] });
  assert.equal(podProblem(blip, wentUnready + 13_000), undefined, 'unready for 13 s, an hour after its creation');
  const problem = podProblem(blip, wentUnready + podWaitLimits.readyMs + 1);
  assert.equal(problem?.code, 'DB_START_FAIL');
  assert.match(problem!.message, new RegExp(`not Ready for ${Math.round(podWaitLimits.readyMs / 1000)} s`));
});
