/**
 * A cluster deleted and created again under the same name, while its predecessor's objects are still being collected
 * (here: its claim, kept by claim protection while a pod still mounts it). The new cluster must wait for them to go
 * and make its own, never take them over: a pod on a claim being deleted is never scheduled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { localImages } from '../../src/infra/local-images';
import { waitUntil } from '../../src/infra/wait';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, waitForState, waitUntilGone } from '../helpers/operator';
import { isReady } from '../helpers/real-node';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';

let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('recreate');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

test("re-created under the same name: the new cluster waits out the old one's claim, then makes and uses its own", { timeout: 420_000 }, async () => {
  const ref = { namespace: ns, name: 'pc-again' };
  const claim = 'pc-again-share';
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 0 }));
  const first = await waitForState(ref, 'Running', 180_000);

  // Someone else's pod on the claim: claim protection keeps it (Terminating) after the cluster is gone.
  await kube().core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'claim-holder' },
      spec: {
        containers: [{ name: 'hold', image: localImages.pause, imagePullPolicy: 'Never', volumeMounts: [{ name: 'share', mountPath: '/data' }] }],
        volumes: [{ name: 'share', persistentVolumeClaim: { claimName: claim } }],
      },
    },
  });
  await waitUntil(async () => isReady(await kube().core.readNamespacedPod({ namespace: ns, name: 'claim-holder' })), { timeoutMs: 60_000, describe: () => 'the holder never ran' });
  await clusters().delete(ref);
  await waitUntilGone(ref, 180_000);
  const old = await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: claim });
  await waitUntil(async () => Boolean((await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: claim })).metadata?.deletionTimestamp), {
    timeoutMs: 60_000,
    describe: () => 'the old claim was never deleted (garbage collector)',
  });

  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 0 }));
  // It waits at PrepareStorage, and says why (the Event a waiting step writes once).
  const waitingEvent = async () =>
    (await kube().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${ref.name}` })).items.find(
      (e) => e.reason === 'StepWaiting' && /PrepareStorage is waiting: PersistentVolumeClaim pc-again-share (is being deleted|belongs to an earlier cluster)/.test(e.message ?? ''),
    );
  await waitUntil(async () => Boolean(await waitingEvent()), { timeoutMs: 90_000, describe: () => 'no StepWaiting Event for the old claim' });
  const waiting = await clusters().get(ref);
  assert.equal(waiting.status?.workflow?.step, 'PrepareStorage');
  assert.notEqual(waiting.metadata.uid, first.metadata.uid);

  await kube().core.deleteNamespacedPod({ namespace: ns, name: 'claim-holder', gracePeriodSeconds: 1 });
  const second = await waitForState(ref, 'Running', 240_000);
  const mine = await kube().core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: claim });
  assert.notEqual(mine.metadata?.uid, old.metadata?.uid, 'a new claim');
  assert.deepEqual(mine.metadata?.ownerReferences?.map((o) => o.uid), [second.metadata.uid], 'owned by the new cluster');
  const rw = await kube().core.readNamespacedPod({ namespace: ns, name: 'pc-again-ins-1' });
  assert.deepEqual(rw.metadata?.ownerReferences?.map((o) => o.uid), [second.metadata.uid]);
});
