/**
 * extendStorage on a claim that is not bound: the resize cannot happen, so the step waits for the claim (visibly) and
 * nothing records the new size as done (finding 9 of issue 21).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { progressQuery, type ResourceRef } from '../../src/contract/flow-run';
import { waitUntil } from '../../src/infra/wait';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startTransitionRunner, type TransitionRunner } from './support/transition-runs';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let runner: TransitionRunner;
before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('extend-unbound');
  runner = await startTransitionRunner(client, 'extend-unbound');
});
after(async () => {
  await runner.stop();
  await releaseTestNamespace(ns);
  await close();
});

test('ExtendStorage of a Pending claim waits for it to bind and records no new size', async () => {
  const name = 'pc-pending';
  const created = await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  const ref: ResourceRef = { resourceType: 'MPDCluster', namespace: ns, name };
  await clusters().patchStatus(ref, { clusterStatus: 'Running' });
  // A claim of a class no provisioner serves: it stays Pending.
  await kube().core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name: `${name}-share` }, spec: { accessModes: ['ReadWriteMany'], storageClassName: 'no-such-class', resources: { requests: { storage: '10Gi' } } } },
  });
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `${name}-meta` }, data: { diskQuota: '10Gi' } } });
  await clusters().patch(ref, { spec: { shareStore: { diskQuota: '20Gi' } } });
  const handle = await runner.run(ref, created.metadata.uid!, 'ExtendStorageSharedStorageCluster', { transition: 2, state: 'ExtendStorage' });
  try {
    await waitUntil(async () => (await handle.query(progressQuery)).steps.find((s) => s.stepName === 'ExtendStorageFs')?.outcome === 'waiting', {
      timeoutMs: 30_000,
      describe: () => 'ExtendStorageFs never waited for the claim',
    });
    const meta = await kube().core.readNamespacedConfigMap({ namespace: ns, name: `${name}-meta` });
    assert.equal(meta.data?.diskQuota, '10Gi', 'the new size is not recorded while the claim cannot grow');
    assert.equal((await handle.describe()).status.name, 'RUNNING');
  } finally {
    await handle.terminate('test over').catch(() => undefined);
  }
});
