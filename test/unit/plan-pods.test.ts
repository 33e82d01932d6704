import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { formatPlan, planFor } from '../../src/operator-api/plan';
import { operator as sharedOperator } from '../../src/operator/shared/operator';
import { sampleCluster } from '../fixtures/sample-cluster';

const operator = prepareOperator(sharedOperator);
const cluster = (spec: Partial<MPDCluster['spec']>, status?: MPDCluster['status']): MPDCluster =>
  ({ apiVersion: 'mpd.polardb.aliyun.com/v1', kind: 'MPDCluster', ...sampleCluster('db', 'pc', spec), ...(status ? { status } : {}) }) as MPDCluster;

test('mpdflow plan names the pods a new cluster’s flow creates: the RW and each RO, before any exists', async () => {
  const plan = await planFor(cluster({ followerNum: 2 }), operator);
  assert.equal(plan.transition?.flowName, 'CreateSharedStorageCluster');
  assert.deepEqual(plan.pods.created, ['pc-ins-1', 'pc-ins-2', 'pc-ins-3']);
  assert.match(formatPlan(plan), /^created: +pc-ins-1, pc-ins-2, pc-ins-3$/m);
});

test('mpdflow plan names the pod an added RO gets', async () => {
  const running = cluster(
    { followerNum: 2 },
    {
      clusterStatus: 'Running',
      leaderInstanceId: 'ins-1',
      dbInstanceStatus: { 'ins-1': { insId: 'ins-1', insType: 'rw' }, 'ins-2': { insId: 'ins-2', insType: 'ro' } },
    } as MPDCluster['status'],
  );
  const plan = await planFor(running, operator);
  assert.equal(plan.transition?.flowName, 'SharedStorageClusterAddRo');
  assert.deepEqual(plan.pods.created, ['pc-ins-3']);
});
