import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { checkSharedSpec } from '../../src/operator/shared/spec-check';

/** A valid shared cluster in `state` with ins-1 (RW) only: ins-2 was just removed. */
function cluster(state: string, annotations: Record<string, string>): MPDCluster {
  return {
    apiVersion: 'mpd.polardb.aliyun.com/v1',
    kind: 'MPDCluster',
    metadata: { namespace: 'ns', name: 'pc', annotations },
    spec: { dbClusterType: 'share', classInfo: { className: 'small' }, versionCfg: { versionName: 'v1', engineImage: 'engine:1' } },
    status: { clusterStatus: state, leaderInstanceId: 'ins-1', dbInstanceStatus: { 'ins-1': { insId: 'ins-1', insType: 'rw' } } },
  };
}

test('a trigger id that names no instance is bad input while Running, where it would start a flow', () => {
  assert.match(checkSharedSpec(cluster('Running', { removeIns: 'ins-2' })) ?? '', /annotation removeIns: instance "ins-2" is not part of cluster pc \(it has ins-1\)/);
});

test('while a flow consumes its trigger, or the cluster is interrupted, the id may already be gone: not bad input', () => {
  // RemoveRo removes ins-2 before its cleanup clears removeIns; an interrupted RemoveRo must stay recoverable.
  assert.equal(checkSharedSpec(cluster('RemoveRo', { removeIns: 'ins-2' })), undefined);
  assert.equal(checkSharedSpec(cluster('Interrupt', { removeIns: 'ins-2' })), undefined);
});
