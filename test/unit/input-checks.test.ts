import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { capacityProblem, largestNode } from '../../src/controller/node-capacity';
import { engineAnnotationProblem, withInputChecks } from '../../src/controller/input-checks';
import type { LoadedOperator } from '../../src/operator-api/operator';
import { checkSharedSpec } from '../../src/operator/shared/spec-check';
import { engineStaleRequests } from '../../src/controller/stale-requests';
import { requestProblem, sharedStaleRequests } from '../../src/operator/shared/request-check';
import { ClockOffset } from '../../src/temporal/clock-offset';

const running = (annotations: Record<string, string> = {}, spec: Partial<MPDCluster['spec']> = {}): MPDCluster =>
  ({
    apiVersion: 'mpd.polardb.aliyun.com/v1',
    kind: 'MPDCluster',
    metadata: { name: 'c', namespace: 'ns', annotations },
    spec: { followerNum: 1, classInfo: { className: 'a', cpu: '1', memory: '1Gi' }, versionCfg: { versionName: 'v1' }, shareStore: { diskQuota: '10Gi' }, ...spec },
    status: {
      clusterStatus: 'Running',
      leaderInstanceId: 'ins-1',
      diskQuota: '10Gi',
      dbInstanceStatus: { 'ins-1': { insType: 'rw', nodeName: 'n1' }, 'ins-2': { insType: 'ro', nodeName: 'n2' } },
    },
  }) as MPDCluster;

test('requests that can fire pass; each that cannot is named', () => {
  assert.equal(requestProblem(running({ restartCluster: 'true', forceRebuild: 'F', switchRw: 'ins-2', migrate: 'ins-2|n1' })), undefined);
  assert.equal(requestProblem(running({ extendStorage: 'true' }, { shareStore: { diskQuota: '11Gi' } })), undefined);
  assert.equal(requestProblem(running({ removeIns: 'ins-2' }, { followerNum: 0 })), undefined, 'a decrease with the replica named');
  assert.match(requestProblem(running({ flushParams: 'Yes' })) ?? '', /flushParams must be/);
  assert.match(requestProblem(running({}, { followerNum: 0 })) ?? '', /followerNum 0 is below the 1 read-only/);
});

test('requests naming what the cluster already is are stale: removed with why, not refused', () => {
  const stale = (annotations: Record<string, string>, spec = {}) => sharedStaleRequests(running(annotations, spec)).map((r) => `${r.annotation}=${r.value}: ${r.why}`);
  assert.deepEqual(stale({ switchRw: 'ins-2' }), []);
  assert.match(stale({ switchRw: 'ins-1' }).join(), /switchRw=ins-1: .*ins-1 is the RW already/);
  assert.match(stale({ migrate: 'ins-2|n2' }).join(), /migrate=ins-2\|n2: .*runs on node n2 already/);
  assert.match(stale({ extendStorage: '1' }, { shareStore: { diskQuota: '10240Mi' } }).join(), /extendStorage=1: .*the size the volume has already/);
  assert.equal(requestProblem(running({ switchRw: 'ins-1' })), undefined, 'no longer an InputValid refusal');
});

test("the engine's annotations at rest: cancelled true or false; a recover only where something is interrupted", () => {
  assert.equal(engineAnnotationProblem(running({ cancelled: 'false' })), undefined);
  assert.match(engineAnnotationProblem(running({ cancelled: 'maybe' })) ?? '', /cancelled must be/);
  assert.deepEqual(engineStaleRequests(running({ 'interrupt.recover': 'T' }), 'Interrupt'), []);
  assert.deepEqual(engineStaleRequests(running({ 'interrupt.recover': 'F' }), 'Running'), []);
  assert.match(engineStaleRequests(running({ 'interrupt.recover': 'T' }), 'Running')[0]?.why ?? '', /nothing to recover/);
});

test('a class larger than every node is named with the largest node and its number; unknown nodes refuse nothing', () => {
  const largest = largestNode([
    { name: 'small', allocatable: { cpu: '2', memory: '4Gi' } },
    { name: 'big', allocatable: { cpu: '3500m', memory: '24Gi' } },
  ]);
  assert.equal(capacityProblem(running({}, { classInfo: { className: 'a', cpu: '3', memory: '20Gi' } }), largest), undefined);
  assert.equal(capacityProblem(running({}, { classInfo: { className: 'a', cpu: '4' } }), largest), 'spec.classInfo.cpu "4" is more than any node can give: the largest allocatable cpu is 3500m (node big)');
  assert.match(capacityProblem(running({}, { classInfoModifyTo: { className: 'b', memory: '32Gi' } }), largest) ?? '', /classInfoModifyTo\.memory "32Gi".*24Gi \(node big\)/);
  assert.equal(capacityProblem(running({}, { classInfo: { className: 'a', cpu: '400' } }), undefined), undefined);
});

test("the clock offset is bounded from above by Temporal's stamps, and relearnt after a period", () => {
  let now = 1_000_000;
  const offset = new ClockOffset(() => now, 60_000);
  assert.equal(offset.upperBound(), undefined);
  offset.observe(new Date(now - 300_500)); // a close stamped half a second before Temporal's now, 5 min behind ours
  offset.observe(new Date(now - 310_000));
  assert.equal(offset.upperBound(), 300_500);
  now += 61_000;
  assert.equal(offset.upperBound(), 300_500, "the last period's bound until a new stamp");
  offset.observe(new Date(now + 1_000)); // our clock stepped back: now behind Temporal's
  assert.equal(offset.upperBound(), -1_000);
});

test('a trigger value or cancel that means nothing is named in every state, so a flow in progress reports it too', () => {
  const during = (annotations: Record<string, string>, state: string): MPDCluster => {
    const cluster = running(annotations);
    return { ...cluster, spec: { ...cluster.spec, dbClusterType: 'share' }, status: { ...cluster.status, clusterStatus: state } };
  };
  for (const state of ['RestartCluster', 'Interrupt', 'Creating']) {
    assert.match(checkSharedSpec(during({ restartCluster: 'maybe' }, state)) ?? '', /restartCluster must be/, state);
    assert.equal(checkSharedSpec(during({ restartCluster: 'T', removeIns: 'ins-9' }, state)), undefined, `${state}: ids may lag while a flow consumes them`);
  }
  const checked = withInputChecks({ validate: () => undefined } as unknown as LoadedOperator, { problem: () => undefined });
  assert.match(checked.validate?.(during({ cancelled: 'yes' }, 'RestartCluster')) ?? '', /cancelled must be "true"/);
});
