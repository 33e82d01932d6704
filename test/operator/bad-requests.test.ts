/**
 * Requests that cannot fire on a Running cluster are answered within 5 s, no transition recorded, no pod created or
 * removed: a value outside its set or a decrease the operator does not make gets InputValid=False and one Warning
 * Event; a request naming what the cluster already is (a switch to the RW, a recover with nothing to recover, a no-op
 * extend or move) is removed with one RequestRemoved Event. The rows: support/bad-inputs.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { clusters, waitForState } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { refusedOnRunning } from './support/bad-inputs';
import { inputValid, waitRemoved, waitReported, warningEvents } from './support/refusals';

let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('badreq');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

test('requests that cannot fire on a Running cluster: InputValid=False and one Warning Event each within 5 s; no transition, no pod', async () => {
  const ref = { namespace: ns, name: 'pc-ids' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 1 }));
  const running = await waitForState(ref, 'Running', 120_000);
  const pods = async () => (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: `mpd.polardb.aliyun.com/cluster=${ref.name}` })).items.map((p) => p.metadata!.name!).sort();
  const podsBefore = await pods();
  const transitionId = running.status?.transition?.id;
  const node = running.status?.dbInstanceStatus?.['ins-2']?.nodeName ?? '';
  assert.ok(node, 'ins-2 has a node');
  const rows = refusedOnRunning(ref.name, node);
  for (const row of rows) {
    const original = await clusters().get(ref);
    const writtenAt = Date.now();
    await clusters().patch(ref, { metadata: { annotations: row.annotations ?? {} }, ...(row.spec ? { spec: row.spec } : {}) });
    if (row.removed) {
      const after = await waitRemoved(ref, row.annotations ?? {}, row.expect, writtenAt);
      assert.equal(after.status?.transition?.id, transitionId, 'no transition recorded');
      assert.notEqual(inputValid(after)?.status, 'False', 'removed, not refused');
      continue;
    }
    const refused = await waitReported(ref, row.expect, writtenAt);
    assert.equal(refused.status?.clusterStatus, 'Running', 'no transition fired');
    assert.equal(refused.status?.transition?.id, transitionId, 'no transition recorded');
    // Undone: the annotations removed, the spec fields as they were.
    const restore = Object.fromEntries(Object.keys(row.spec ?? {}).map((k) => [k, original.spec[k as keyof MPDCluster['spec']] ?? null]));
    await clusters().patch(ref, { metadata: { annotations: Object.fromEntries(Object.keys(row.annotations ?? {}).map((k) => [k, null])) }, ...(row.spec ? { spec: restore } : {}) });
    await waitUntil(async () => inputValid(await clusters().get(ref))?.status !== 'False', { timeoutMs: 20_000, describe: () => `InputValid stayed False after undoing ${JSON.stringify(row)}` });
  }
  const cluster = await clusters().get(ref);
  assert.equal(cluster.status?.clusterStatus, 'Running');
  assert.equal(cluster.status?.transition?.id, transitionId, 'no flow ran');
  assert.deepEqual(Object.keys(cluster.status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-2'], 'no phantom instance');
  assert.deepEqual(await pods(), podsBefore, 'no pod created or removed');
  // Later reconciles (each row's, the relists) did not repeat an Event.
  for (const row of rows) assert.equal(await warningEvents(ref, row.expect, row.removed ? 'RequestRemoved' : 'InvalidSpec'), 1, `one Event for ${JSON.stringify(row)}`);
});

test('a recover written on a new cluster is removed with a RequestRemoved Event; the cluster is created as asked', async () => {
  const ref = { namespace: ns, name: 'pc-recover-new' };
  const cluster = sampleCluster(ns, ref.name, { followerNum: 0 });
  const annotations = { 'interrupt.recover': 'T' };
  const writtenAt = Date.now();
  await clusters().create({ ...cluster, metadata: { ...cluster.metadata, annotations } });
  await waitRemoved(ref, annotations, /annotation interrupt\.recover=T: the cluster is (Creating|Init), not Interrupt: there is nothing to recover/, writtenAt);
  await waitForState(ref, 'Running', 120_000);
});
