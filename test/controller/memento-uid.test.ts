/**
 * A Go memento belongs to the cluster its owner reference names by uid: a cluster re-created under the same name, while
 * its predecessor's `<name>-workflow` lingers (garbage collection is not instant), never resumes the predecessor's flow
 * (finding 12 of issue 21).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { mementoMarks } from '../../src/kube/memento-configmap';
import { migratedEvent } from '../../src/controller/memento-plan';
import { midStepCreate } from '../fixtures/go-mementos';
import { eventReasons } from '../helpers/flows';
import { createSampleCluster, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';
import { kube, testNamespace } from '../helpers/stack';

let ns: string;
let op: TestOperator;
const keep = 'test.mpdflow/keep';
const ref = { namespace: '', name: 'pc-reborn' };

before(async () => {
  ns = await testNamespace('memento-uid');
  ref.namespace = ns;
  // The predecessor's memento, owned by a cluster of that name that is gone; held by a finalizer so it lingers as long as the test needs.
  await kube().core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name: `${ref.name}-workflow`,
        labels: { flowJobsDomain: ref.name },
        finalizers: [keep],
        ownerReferences: [{ apiVersion: 'mpd.polardb.aliyun.com/v1', kind: 'MPDCluster', name: ref.name, uid: '00000000-0000-0000-0000-00000000dead', controller: true }],
      },
      data: midStepCreate(ref.name, ns),
    },
  });
  op = await startTestOperator(ns);
});
after(async () => {
  await op.stop();
  await kube().core.patchNamespacedConfigMap({ namespace: ns, name: `${ref.name}-workflow`, body: [{ op: 'remove', path: '/metadata/finalizers' }] }).catch(() => undefined);
});

test("a cluster re-created under its predecessor's name runs its own create from the first step, and says why the memento was left", async () => {
  await createSampleCluster(ns, ref.name);
  const cluster = await waitForState(ref, 'Running', 60_000);
  assert.notEqual(cluster.status?.transition?.event, migratedEvent, "the predecessor's create was resumed");
  assert.equal(cluster.status?.transition?.resumeFrom ?? '', '', 'the create ran from its first step');
  const memento = await kube().core.readNamespacedConfigMap({ namespace: ns, name: `${ref.name}-workflow` });
  assert.equal(memento.metadata?.annotations?.[mementoMarks.at], undefined, 'another cluster\'s memento is not marked');
  await waitUntil(async () => (await eventReasons({ resourceType: 'MPDCluster', ...ref })).includes('ForeignMemento'), { timeoutMs: 15_000, describe: () => 'an Event saying the memento belongs to an earlier cluster' });
});
