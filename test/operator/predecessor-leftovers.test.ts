/**
 * A cluster created again under a name whose predecessor's credentials the garbage collector never removed (the
 * 25-cluster soak, 2026-12-07: after API server restarts three re-created clusters waited 12 to 14 minutes in
 * CreateRwPod for the old `-engine-credentials` Secret). The new cluster removes its predecessor's leftovers and makes
 * its own, and never touches an object that is its own; a late release of the predecessor never touches the new
 * cluster's. Against the real API server; no operator watches here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ensureEngineAccess, removeEngineAccess } from '../../activities/shared/engine-access';
import { engineCaSecretName, engineSecretName, engineServiceAccountName, engineTlsSecretName, roServiceName, rwServiceName } from '../../activities/shared/names';
import { WaitingError } from '../../src/flows/step';
import { transitionWorkflowId } from '../../src/contract/flow-run';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { stepAttempt } from '../helpers/step-context';

let ns: string;
before(async () => {
  ns = await testNamespace('leftovers');
});
after(async () => {
  await releaseTestNamespace(ns);
});

/** The step as the workflow runs it: a wait is tried again, a bounded number of times here. */
async function untilDone(run: () => Promise<void>, attempts = 10): Promise<string[]> {
  const waits: string[] = [];
  for (let i = 0; i < attempts; i += 1) {
    try {
      await run();
      return waits;
    } catch (error) {
      if (!(error instanceof WaitingError)) throw error;
      waits.push(error.message);
    }
  }
  assert.fail(`still waiting after ${attempts} attempts: ${waits.at(-1)}`);
}

test("a predecessor's credentials the garbage collector left are replaced by the new cluster's own", async () => {
  const name = 'pc-again';
  const cluster = await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  const secretName = engineSecretName(name);
  // The predecessor's Secret, owned by a cluster of this name that is gone. Its owner's version is one the garbage
  // collector cannot resolve, so it leaves the Secret alone, as it did in the soak.
  const predecessor = { apiVersion: 'mpd.polardb.aliyun.com/v0', kind: 'MPDCluster', name, uid: randomUUID(), controller: true };
  const leftover = await kube().core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: secretName, ownerReferences: [predecessor] }, stringData: { superuser: 'old-password' } },
  });
  const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', namespace: ns, name }, cluster.metadata.uid!, 1);
  const { ctx } = stepAttempt({ namespace: ns, name }, { workflowId, flowName: 'SharedStorageClusterCreate', stepName: 'CreateRwPod', state: 'Creating' });

  const waits = await untilDone(() => ensureEngineAccess(ctx, cluster));
  assert.ok(waits.some((w) => /belongs to an earlier cluster of the same name.*removed it/.test(w)), `said why it waited: ${waits.join(' | ')}`);
  const mine = await kube().core.readNamespacedSecret({ namespace: ns, name: secretName });
  assert.notEqual(mine.metadata?.uid, leftover.metadata?.uid, 'a Secret of its own');
  assert.deepEqual(mine.metadata?.ownerReferences?.map((o) => o.uid), [cluster.metadata.uid]);
  assert.notEqual(Buffer.from(mine.data?.superuser ?? '', 'base64').toString(), 'old-password');

  // Its own objects are kept: done again, nothing is replaced.
  const account = await kube().core.readNamespacedServiceAccount({ namespace: ns, name: engineServiceAccountName(name) });
  assert.deepEqual(await untilDone(() => ensureEngineAccess(ctx, cluster)), []);
  assert.equal((await kube().core.readNamespacedSecret({ namespace: ns, name: secretName })).metadata?.uid, mine.metadata?.uid);
  assert.equal((await kube().core.readNamespacedServiceAccount({ namespace: ns, name: engineServiceAccountName(name) })).metadata?.uid, account.metadata?.uid);
});

test('an object of the same name owned by something else is waited for, never deleted', async () => {
  const name = 'pc-shared';
  const cluster = await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  const secretName = engineSecretName(name);
  const someoneElses = { apiVersion: 'v1', kind: 'ConfigMap', name: 'unrelated', uid: randomUUID() };
  const foreign = await kube().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: secretName, ownerReferences: [someoneElses], finalizers: ['test.mpdflow.io/keep'] } } });
  const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', namespace: ns, name }, cluster.metadata.uid!, 1);
  const { ctx } = stepAttempt({ namespace: ns, name }, { workflowId, flowName: 'SharedStorageClusterCreate', stepName: 'CreateRwPod', state: 'Creating' });
  try {
    await assert.rejects(() => untilDone(() => ensureEngineAccess(ctx, cluster), 3), /still waiting/);
    const still = await kube().core.readNamespacedSecret({ namespace: ns, name: secretName });
    assert.equal(still.metadata?.uid, foreign.metadata?.uid, 'not ours: left as it is');
  } finally {
    await kube().core.patchNamespacedSecret({ namespace: ns, name: secretName, body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }
});

test("a late release of a deleted cluster leaves what a cluster created again under its name owns", async () => {
  const name = 'pc-late';
  const cluster = await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', namespace: ns, name }, cluster.metadata.uid!, 1);
  const { ctx } = stepAttempt({ namespace: ns, name }, { workflowId, flowName: 'SharedStorageClusterCreate', stepName: 'CreateRwPod', state: 'Creating' });
  await untilDone(() => ensureEngineAccess(ctx, cluster));
  const core = kube().core;
  const objects = async () => {
    const read = async (get: () => Promise<{ metadata?: { uid?: string } }>) => (await get().catch(() => undefined))?.metadata?.uid ?? 'gone';
    return {
      secrets: await Promise.all([engineSecretName(name), engineTlsSecretName(name), engineCaSecretName(name)].map((secret) => read(() => core.readNamespacedSecret({ namespace: ns, name: secret })))),
      account: await read(() => core.readNamespacedServiceAccount({ namespace: ns, name: engineServiceAccountName(name) })),
      binding: await read(() => kube().rbac.readNamespacedRoleBinding({ namespace: ns, name: engineServiceAccountName(name) })),
      services: await Promise.all([rwServiceName(name), roServiceName(name)].map((service) => read(() => core.readNamespacedService({ namespace: ns, name: service })))),
    };
  };
  const before = await objects();
  assert.ok(!JSON.stringify(before).includes('gone'), `all made: ${JSON.stringify(before)}`);

  // The predecessor's release, an attempt that read its cluster before it was deleted and this one created.
  const predecessor = { ...cluster, metadata: { ...cluster.metadata, uid: randomUUID() } };
  await removeEngineAccess(ctx, predecessor);
  assert.deepEqual(await objects(), before, "the late release removed the new cluster's objects");

  await removeEngineAccess(ctx, cluster);
  const after = await objects();
  assert.deepEqual(after, { secrets: ['gone', 'gone', 'gone'], account: 'gone', binding: 'gone', services: ['gone', 'gone'] }, JSON.stringify(after));
});
