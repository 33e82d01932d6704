/**
 * The soak plays the Go engine's memento Save as the Go engine does it: a predecessor's `<name>-workflow` that lingers
 * after a delete and re-create (garbage collection lags behind API server restarts) is re-owned by the new cluster,
 * so mpdflow takes over the Go flow begun there, and only it (the eighth 25-cluster soak's pc-13 kept the dead owner,
 * and mpdflow rightly refused the memento as another cluster's). Against the real API server; no operator watches here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { goSaveMemento } from '../../bench/soak/go-handback';
import { flows, type OperationEnv } from '../../bench/soak/operations';
import { readMemento } from '../../src/controller/memento-migration';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { operator as sharedStorageOperator } from '../../src/operator/shared/operator';
import { MementoStore, mementoMarks, mementoName, mementoOwnerUid } from '../../src/kube/memento-configmap';
import { mpdClusterApi, mpdClusterApiVersion, type MPDCluster } from '../../src/kube/mpdcluster';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';

let ns: string;
const keep = 'test.mpdflow/keep';
const deadUid = '00000000-0000-0000-0000-00000000dead';

before(async () => {
  ns = await testNamespace('soak-go-memento');
});
after(async () => {
  await kube().core.patchNamespacedConfigMap({ namespace: ns, name: mementoName('pc-13'), body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
  await releaseTestNamespace(ns);
});

test("a hand-back after a re-create re-owns the predecessor's lingering memento, and mpdflow resumes only the new Go flow", async () => {
  const name = 'pc-13';
  const env = { clusters: clusters(), kube: kube(), namespace: ns, nodes: [] } as OperationEnv;
  // The predecessor's memento after its own hand-back was taken over: marked through key 2, held here as GC lag holds it.
  const predecessor: MPDCluster = { apiVersion: mpdClusterApiVersion, kind: mpdClusterApi.kind, ...sampleCluster(ns, name), metadata: { namespace: ns, name, uid: deadUid } };
  await goSaveMemento(env, predecessor, new Date('2026-12-07T10:00:00Z'));
  await kube().core.patchNamespacedConfigMap({
    namespace: ns,
    name: mementoName(name),
    body: [
      { op: 'add', path: '/metadata/finalizers', value: [keep] },
      { op: 'add', path: '/metadata/annotations', value: { [mementoMarks.at]: '2026-12-07T10:01:00Z', [mementoMarks.through]: '2' } },
    ],
  });

  const reborn = await clusters().create(sampleCluster(ns, name));
  await clusters().patchStatus({ namespace: ns, name }, { clusterStatus: 'RestartCluster' } as never);
  await goSaveMemento(env, reborn, new Date());

  const store = new MementoStore(kube().config);
  const memento = (await store.get(ns, name))!;
  assert.equal(mementoOwnerUid(memento), reborn.metadata.uid, 'owned by the cluster the Go engine saved it for');
  assert.equal(memento.metadata.ownerReferences?.length, 1, 'the dead owner is replaced, not kept beside');
  assert.deepEqual(Object.keys(memento.data ?? {}).sort(), [`1-${flows.create}`, `2-${flows.restartCluster}`, `3-${flows.restartCluster}`]);

  const reading = await readMemento(store, await clusters().get({ namespace: ns, name }), prepareOperator(sharedStorageOperator));
  assert.equal(reading.kind, 'plan');
  assert.ok(reading.kind === 'plan' && reading.plan.kind === 'resume', `a resume: ${JSON.stringify(reading)}`);
  assert.equal(reading.plan.key, `3-${flows.restartCluster}`, "the new Go flow; the predecessor's keys are history");
  assert.equal(reading.plan.resumeFrom, 'RestartCluster');
});
