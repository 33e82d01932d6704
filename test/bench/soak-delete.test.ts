/**
 * The soak's delete request expects a release flow only from a cluster that has its finalizer when the delete lands
 * (the sixth 25-cluster soak counted a create cancelled before InitMeta, then deleted, as a lost release). Against the
 * real API server; no operator watches here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteAsSeen } from '../../bench/soak/delete-as-seen';
import type { OperationEnv, OperationPlan } from '../../bench/soak/operations';
import { mpdFinalizer } from '../../src/kube/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, waitUntilGone } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';

let ns: string;
before(async () => {
  ns = await testNamespace('soak-delete');
});
after(async () => {
  await releaseTestNamespace(ns);
});

const deletePlan = (): OperationPlan => ({ kind: 'delete', detail: 'delete', expectFlow: 'ReleaseSharedStorageCluster', apply: async () => undefined, consumed: (c) => !c });

test('a cluster deleted before its finalizer was added expects no release; one with it expects one', async () => {
  const env = { clusters: clusters(), kube: kube(), namespace: ns, nodes: [] } as OperationEnv;
  await clusters().create(sampleCluster(ns, 'no-finalizer'));
  const bare = deletePlan();
  await deleteAsSeen(env, { namespace: ns, name: 'no-finalizer' }, bare);
  assert.equal(bare.expectFlow, undefined);
  assert.match(bare.detail, /nothing to release/);
  await waitUntilGone({ namespace: ns, name: 'no-finalizer' });

  const ref = { namespace: ns, name: 'finalized' };
  const created = await clusters().create({ ...sampleCluster(ns, 'finalized'), metadata: { namespace: ns, name: 'finalized', finalizers: [mpdFinalizer] } });
  // The preconditions reach the server (a DELETE's body once went out with no length, and was dropped).
  await assert.rejects(() => clusters().delete(ref, { uid: created.metadata.uid!, resourceVersion: '1' }), (error: { code?: number }) => error.code === 409);
  assert.equal((await clusters().get(ref)).metadata.deletionTimestamp, undefined, 'a delete of another version deletes nothing');
  const held = deletePlan();
  await deleteAsSeen(env, ref, held);
  assert.equal(held.expectFlow, 'ReleaseSharedStorageCluster');
  assert.ok((await clusters().get(ref)).metadata.deletionTimestamp, 'deleting, held by the finalizer');
  await clusters().patch(ref, { metadata: { finalizers: [] } });
  await waitUntilGone(ref);
});
