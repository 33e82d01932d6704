import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { sharedStorageStateMachine } from '../../src/operator/shared/transitions';

/** A running shared cluster with one rw (ins-1, leader, on node-a) and one ro (ins-2, on node-b). */
function running(change: (c: MPDCluster) => void = () => undefined): MPDCluster {
  const cluster: MPDCluster = {
    apiVersion: 'mpd.polardb.aliyun.com/v1',
    kind: 'MPDCluster',
    metadata: { namespace: 'ns', name: 'pc', annotations: {} },
    spec: { dbClusterType: 'share', followerNum: 1, classInfo: { className: 'small' }, versionCfg: { versionName: 'v1' } },
    status: {
      clusterStatus: 'Running',
      leaderInstanceId: 'ins-1',
      dbInstanceStatus: {
        'ins-1': { insId: 'ins-1', insType: 'rw', nodeName: 'node-a', currentState: { state: 'running' } },
        'ins-2': { insId: 'ins-2', insType: 'ro', nodeName: 'node-b', currentState: { state: 'running' } },
      },
    },
  };
  change(cluster);
  return cluster;
}
const annotate = (values: Record<string, string>) => (c: MPDCluster) => Object.assign(c.metadata.annotations!, values);

const sm = sharedStorageStateMachine();
async function fired(cluster: MPDCluster) {
  const outcome = await sm.check(sm.normalize(cluster.status?.clusterStatus), cluster);
  return outcome.kind === 'fire' ? { to: outcome.transition.to, flow: outcome.transition.flowName, params: outcome.event.params } : undefined;
}

const cases: Array<[string, MPDCluster, { to: string; flow: string; params?: Record<string, unknown> } | undefined]> = [
  ['Init → Creating', running((c) => (c.status!.clusterStatus = 'Init')), { to: 'Creating', flow: 'CreateSharedStorageCluster' }],
  ['Interrupt + forceRebuild → Rebuild', running((c) => ((c.status!.clusterStatus = 'Interrupt'), annotate({ forceRebuild: 'T' })(c))), { to: 'Rebuild', flow: 'SharedStorageClusterRebuild' }],
  ['Running, every instance failed → Rebuild', running((c) => Object.values(c.status!.dbInstanceStatus!).forEach((i) => (i.currentState = { state: 'Failed' }))), { to: 'Rebuild', flow: 'SharedStorageClusterRebuild' }],
  ['classInfoModifyTo → ModifyClass', running((c) => (c.spec.classInfoModifyTo = { className: 'large' })), { to: 'ModifyClass', flow: 'SharedStorageClusterModifyClass', params: { modifyClass: true } }],
  ['classInfoModifyTo equal to classInfo → nothing', running((c) => (c.spec.classInfoModifyTo = { className: 'small' })), undefined],
  ['restartCluster → RestartCluster', running(annotate({ restartCluster: 'true' })), { to: 'RestartCluster', flow: 'SharedStorageClusterRestartCluster' }],
  ['restartIns → RestartIns with insId', running(annotate({ restartIns: 'ins-2' })), { to: 'RestartIns', flow: 'SharedStorageClusterRestartIns', params: { insId: 'ins-2' } }],
  ['flushParams → FlushParams', running(annotate({ flushParams: '1' })), { to: 'FlushParams', flow: 'SharedStorageClusterFlushParams' }],
  ['switchRw to another instance → SwitchRw', running(annotate({ switchRw: 'ins-2' })), { to: 'SwitchRw', flow: 'SharedStorageClusterSwitchRw', params: { insId: 'ins-2' } }],
  ['switchRw to the leader → nothing', running(annotate({ switchRw: 'ins-1' })), undefined],
  ['migrate a follower → MigrateRo', running(annotate({ migrate: 'ins-2|node-c' })), { to: 'MigrateRo', flow: 'SharedStorageClusterMigrateRo' }],
  ['migrate the leader → MigrateRw', running(annotate({ migrate: 'ins-1|node-c' })), { to: 'MigrateRw', flow: 'SharedStorageClusterMigrateRw' }],
  ['migrate to the node it is on → nothing', running(annotate({ migrate: 'ins-2|node-b' })), undefined],
  ['versionCfgModifyTo → UpgradeMinorVersion', running((c) => (c.spec.versionCfgModifyTo = { versionName: 'v2' })), { to: 'UpgradeMinorVersion', flow: 'SharedStorageClusterUpgradeMinorVersion', params: { upgrade: true } }],
  ['a failed follower → RebuildRo', running((c) => (c.status!.dbInstanceStatus!['ins-2']!.currentState = { state: 'failed' })), { to: 'RebuildRo', flow: 'SharedStorageClusterRebuildRo' }],
  ['followerNum above the ro count → AddRo', running((c) => (c.spec.followerNum = 2)), { to: 'AddRo', flow: 'SharedStorageClusterAddRo' }],
  ['removeIns → RemoveRo', running(annotate({ removeIns: 'ins-2' })), { to: 'RemoveRo', flow: 'SharedStorageClusterRemoveRo' }],
  ['extendStorage → ExtendStorage', running(annotate({ extendStorage: 'true' })), { to: 'ExtendStorage', flow: 'ExtendStorageSharedStorageCluster' }],
  ['nothing asked → nothing', running(), undefined],
];

for (const [name, cluster, expected] of cases) {
  test(`shared transitions: ${name}`, async () => {
    const result = await fired(cluster);
    if (!expected) return assert.equal(result, undefined);
    assert.deepEqual(result, { params: undefined, ...expected });
  });
}

test('shared transitions: the seed order decides between simultaneous triggers', async () => {
  const all = running((c) => {
    annotate({ forceRebuild: 'true', restartCluster: 'true', restartIns: 'ins-2', flushParams: 'true', switchRw: 'ins-2', removeIns: 'ins-2', extendStorage: 'true' })(c);
    c.spec.classInfoModifyTo = { className: 'large' };
    c.spec.followerNum = 3;
  });
  const order: string[] = [];
  for (let i = 0; i < 8; i++) {
    const result = await fired(all);
    if (!result) break;
    order.push(result.to);
    // Drop the trigger that just fired, as its flow's cleanup would.
    const drop: Record<string, () => void> = {
      Rebuild: () => delete all.metadata.annotations!.forceRebuild,
      ModifyClass: () => delete all.spec.classInfoModifyTo,
      RestartCluster: () => delete all.metadata.annotations!.restartCluster,
      RestartIns: () => delete all.metadata.annotations!.restartIns,
      FlushParams: () => delete all.metadata.annotations!.flushParams,
      SwitchRw: () => delete all.metadata.annotations!.switchRw,
      AddRo: () => (all.spec.followerNum = 1),
      RemoveRo: () => delete all.metadata.annotations!.removeIns,
    };
    drop[result.to]?.();
  }
  assert.deepEqual(order, ['Rebuild', 'ModifyClass', 'RestartCluster', 'RestartIns', 'FlushParams', 'SwitchRw', 'AddRo', 'RemoveRo']);
});

test('shared transitions: 15 registered, Rebuild and ExtendStorage ignore unfinished flows', () => {
  assert.equal(sm.allTransitions().length, 15);
  assert.equal(sm.entryOf('Rebuild')?.options.ignoreUnCompleted, true);
  assert.equal(sm.entryOf('ExtendStorage')?.options.ignoreUnCompleted, true);
  assert.equal(sm.entryOf('AddRo')?.options.ignoreUnCompleted, undefined);
});
