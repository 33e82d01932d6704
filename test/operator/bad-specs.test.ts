/**
 * Bad specs are refused at once, in a sentence: the API server refuses what its schema can say (CEL rules, ranges,
 * transition rules on update), the controller says the rest as InputValid=False with one Warning Event within 5 s,
 * before any flow runs or any pod exists. The rows are in support/bad-inputs.ts (with the Running cluster's requests).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiStatus } from '../../src/kube/client';
import { errorText } from '../../src/kube/error-text';
import { clusters } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { createAnnotations, refusedAtCreate, refusedByOperatorAtCreate, refusedOnRunning, refusedOnUpdate } from './support/bad-inputs';
import { waitReported, warningEvents } from './support/refusals';

let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('badspec');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

test('at least 60 distinct bad inputs are tried', () => {
  const keys = [
    ...refusedAtCreate.map((r) => `create:${JSON.stringify(r.spec)}:${r.clusterName ?? ''}`),
    ...refusedOnUpdate.map((r) => `update:${JSON.stringify(r.change)}`),
    ...refusedByOperatorAtCreate.map((r) => `operator:${JSON.stringify(r.spec)}:${JSON.stringify(createAnnotations[r.cluster] ?? {})}`),
    ...refusedOnRunning('c', 'n').map((r) => `running:${JSON.stringify(r)}`),
  ];
  assert.equal(new Set(keys).size, keys.length, 'a row repeats another');
  assert.ok(keys.length >= 60, `only ${keys.length} rows`);
});

/** The API server's refusal of a write: 422, one readable line matching `expect`. */
async function assertRefused(write: Promise<unknown>, expect: RegExp): Promise<void> {
  const error = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error, 'the API server accepted it');
  assert.equal(apiStatus(error), 422, errorText(error));
  const text = errorText(error);
  assert.match(text, expect);
  assert.doesNotMatch(text, /\n|Headers|HTTP-Code/, 'one readable line');
}

for (const row of refusedAtCreate) {
  test(`refused at create by the API server: ${row.name}`, async () => {
    await assertRefused(clusters().create(sampleCluster(ns, row.clusterName ?? 'pc-bad', row.spec ?? {})), row.expect);
  });
}

test('an update to a bad value or an unsupported change is refused as well, and the cluster is left as it was', async () => {
  const ref = { namespace: ns, name: 'pc-update' };
  // No class: the operator refuses the cluster, so nothing runs while its updates are tried.
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 0, classInfo: undefined }));
  const before = await clusters().get(ref);
  for (const row of refusedOnUpdate) {
    await assertRefused(clusters().patch(ref, { spec: row.change }), row.expect);
  }
  const afterwards = await clusters().get(ref);
  assert.deepEqual(afterwards.spec, before.spec);
  // A growth is a change the operator supports: accepted.
  await clusters().patch(ref, { spec: { shareStore: { diskQuota: '20Gi' } } });
});

for (const row of refusedByOperatorAtCreate) {
  test(`refused by the operator's spec check within 5 s, no flow, no pod: ${row.name}`, async () => {
    const ref = { namespace: ns, name: row.cluster };
    const cluster = sampleCluster(ns, row.cluster, row.spec);
    const annotations = createAnnotations[row.cluster];
    const writtenAt = Date.now();
    await clusters().create(annotations ? { ...cluster, metadata: { ...cluster.metadata, annotations } } : cluster);
    const refused = await waitReported(ref, row.expect, writtenAt);
    // The check runs before any transition in the same reconcile: a refused cluster never left its first state.
    assert.equal(refused.status?.clusterStatus, undefined);
    assert.equal(refused.status?.transition, undefined, 'no transition recorded: no flow started');
    const pods = await kube().core.listNamespacedPod({ namespace: ns, labelSelector: `mpd.polardb.aliyun.com/cluster=${row.cluster}` });
    assert.deepEqual(pods.items.map((p) => p.metadata?.name), [], 'no pod');
    assert.equal(await warningEvents(ref, row.expect), 1);
  });
}
