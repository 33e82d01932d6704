/**
 * Bad specs are refused at once, in a sentence: the API server refuses what its schema can say (at create), the
 * controller's spec check says the rest as InputValid=False with one Warning Event, before any flow runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { apiStatus } from '../../src/kube/client';
import { errorText } from '../../src/kube/error-text';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { clusters, waitForState } from '../helpers/operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';

type Spec = MPDCluster['spec'];
const base = sampleCluster('x', 'x').spec;

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

/** Specs the API server refuses (CRD schema: CEL rules, maxLength, ranges): name, the override, the words expected. */
const refusedByApiServer: Array<{ name: string; spec?: Partial<Spec>; clusterName?: string; expect: RegExp }> = [
  { name: 'name too long for the pods\' cluster label', clusterName: `pc-${'n'.repeat(61)}`, expect: /metadata\.name must be at most 63 characters/ },
  { name: 'cpu not a quantity', spec: { classInfo: { ...base.classInfo, cpu: 'abc' } }, expect: /spec\.classInfo\.cpu must be a non-negative Kubernetes quantity.*"abc"/ },
  { name: 'memory not a quantity', spec: { classInfo: { ...base.classInfo, memory: '8 GB' } }, expect: /spec\.classInfo\.memory must be a non-negative Kubernetes quantity/ },
  { name: 'negative cpu', spec: { classInfo: { ...base.classInfo, cpu: '-2' } }, expect: /spec\.classInfo\.cpu must be a non-negative/ },
  { name: 'classInfoModifyTo memory not a quantity', spec: { classInfoModifyTo: { className: 'big', memory: 'lots' } }, expect: /spec\.classInfoModifyTo\.memory must be/ },
  { name: 'diskQuota not a quantity', spec: { shareStore: { ...base.shareStore, diskQuota: 'ten gigs' } }, expect: /spec\.shareStore\.diskQuota must be a positive Kubernetes quantity/ },
  { name: 'diskQuota zero', spec: { shareStore: { ...base.shareStore, diskQuota: '0' } }, expect: /spec\.shareStore\.diskQuota must be a positive/ },
  { name: 'sharePvcName not a DNS name', spec: { shareStore: { ...base.shareStore, sharePvcName: 'Share_PVC' } }, expect: /sharePvcName must be a lower-case DNS name/ },
  { name: 'sharePvcName too long', spec: { shareStore: { ...base.shareStore, sharePvcName: 'p'.repeat(254) } }, expect: /sharePvcName.*(Too long|at most 253)/ },
  { name: 'engine image with a space', spec: { versionCfg: { ...base.versionCfg, engineImage: 'polardb/engine 1.0' } }, expect: /spec\.versionCfg\.engineImage must be an image reference without spaces/ },
  { name: 'engine port out of range', spec: { netCfg: { engineStartPort: 70000 } }, expect: /engineStartPort.*less than or equal to 64535/ },
];

for (const row of refusedByApiServer) {
  test(`refused at create by the API server: ${row.name}`, async () => {
    const cluster = sampleCluster(ns, row.clusterName ?? 'pc-bad', row.spec ?? {});
    const error = await clusters().create(cluster).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error, 'the API server accepted it');
    assert.equal(apiStatus(error), 422, errorText(error));
    const text = errorText(error);
    assert.match(text, row.expect);
    assert.doesNotMatch(text, /\n|Headers|HTTP-Code/, 'one readable line');
  });
}

test('an update to a bad value is refused as well', async () => {
  const ref = { namespace: ns, name: 'pc-update' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 0, classInfo: undefined }));
  await assert.rejects(clusters().patch(ref, { spec: { classInfo: { className: 'x', cpu: 'abc' } } }), (e: unknown) => apiStatus(e) === 422 && /cpu must be/.test(errorText(e)));
});

const inputValid = (cluster: MPDCluster) => cluster.status?.conditions?.find((c) => c.type === 'InputValid');

/** Waits for InputValid=False naming `expect`; returns the cluster as it was then. */
async function waitRefused(ref: { namespace: string; name: string }, expect: RegExp): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      const condition = inputValid(last);
      return condition?.status === 'False' && expect.test(condition.message ?? '');
    },
    { timeoutMs: 20_000, describe: () => `${ref.name}: no InputValid=False matching ${expect}; conditions ${JSON.stringify(last?.status?.conditions)}` },
  );
  return last!;
}

async function warningEvents(name: string, message: RegExp): Promise<number> {
  const list = await kube().core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.type === 'Warning' && e.reason === 'InvalidSpec' && message.test(e.message ?? '')).length;
}

/** Specs only the operator can judge, at create: InputValid=False, one Warning Event, and no flow starts. */
const refusedByOperator: Array<{ name: string; cluster: string; spec: Partial<Spec>; expect: RegExp }> = [
  { name: 'missing classInfo', cluster: 'pc-noclass', spec: { classInfo: undefined }, expect: /spec\.classInfo with a className is required/ },
  { name: 'classInfo without className', cluster: 'pc-noclassname', spec: { classInfo: { cpu: '1' } }, expect: /spec\.classInfo with a className is required/ },
  { name: 'local storage', cluster: 'pc-local', spec: { dbClusterType: 'local' }, expect: /spec\.dbClusterType must be "share"/ },
];

for (const row of refusedByOperator) {
  test(`refused by the operator's spec check: ${row.name}`, async () => {
    const ref = { namespace: ns, name: row.cluster };
    await clusters().create(sampleCluster(ns, row.cluster, row.spec));
    const refused = await waitRefused(ref, row.expect);
    // The check runs before any transition in the same reconcile: a refused cluster never left its first state.
    assert.equal(refused.status?.clusterStatus, undefined);
    await waitUntil(async () => (await warningEvents(row.cluster, row.expect)) >= 1, { timeoutMs: 15_000, describe: () => 'the Warning Event' });
    assert.equal(await warningEvents(row.cluster, row.expect), 1);
  });
}

test('trigger annotations naming no instance: InputValid=False and one Warning Event each; nothing is created', async () => {
  const ref = { namespace: ns, name: 'pc-ids' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 1 }));
  await waitForState(ref, 'Running', 90_000);
  const pods = async () => (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: `mpd.polardb.aliyun.com/cluster=${ref.name},mpd.polardb.aliyun.com/ins-id` })).items.map((p) => p.metadata!.name!).sort();
  const podsBefore = await pods();
  const rows: Array<{ annotations: Record<string, string>; expect: RegExp }> = [
    { annotations: { restartIns: 'ins-99' }, expect: /annotation restartIns: instance "ins-99" is not part of cluster pc-ids \(it has ins-1, ins-2\)/ },
    { annotations: { switchRw: 'ins-42' }, expect: /annotation switchRw: instance "ins-42" is not part/ },
    { annotations: { removeIns: 'ins-7' }, expect: /annotation removeIns: instance "ins-7" is not part/ },
    { annotations: { removeIns: 'ins-1' }, expect: /annotation removeIns: ins-1 is the RW/ },
    { annotations: { migrate: 'ins-9|node-2' }, expect: /annotation migrate: instance "ins-9" is not part/ },
    { annotations: { migrate: 'ins-2' }, expect: /annotation migrate must be "<insId>\|<node>", got "ins-2"/ },
  ];
  for (const row of rows) {
    await clusters().patch(ref, { metadata: { annotations: row.annotations } });
    const refused = await waitRefused(ref, row.expect);
    assert.equal(refused.status?.clusterStatus, 'Running', 'no transition fired');
    // The Event follows the condition: wait for it, then the end of the test checks it was not repeated.
    await waitUntil(async () => (await warningEvents(ref.name, row.expect)) >= 1, { timeoutMs: 15_000, describe: () => `a Warning Event for ${JSON.stringify(row.annotations)}` });
    await clusters().patch(ref, { metadata: { annotations: Object.fromEntries(Object.keys(row.annotations).map((k) => [k, null])) } });
    await waitUntil(async () => inputValid(await clusters().get(ref))?.status !== 'False', { timeoutMs: 20_000, describe: () => 'InputValid stayed False after the fix' });
  }
  const cluster = await clusters().get(ref);
  assert.deepEqual(Object.keys(cluster.status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-2'], 'no phantom instance');
  assert.deepEqual(await pods(), podsBefore, 'no pod created or removed');
  // Later reconciles (each row's, the relists) did not repeat an Event.
  for (const row of rows) assert.equal(await warningEvents(ref.name, row.expect), 1);
});
