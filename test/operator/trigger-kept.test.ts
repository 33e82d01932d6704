/** Flows clean up only their own trigger: a request written while another flow runs is kept and runs next (issue 9, item 6). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { startKubeletStandIn } from '../../src/dev/kubelet-stand-in';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, temporalClient, testNamespace } from '../helpers/stack';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('trigger-kept');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await close();
});

test('restartCluster written while an AddRo runs survives its cleanup and runs next; each flow clears only its own trigger', async () => {
  const ref = { namespace: ns, name: 'pc-kept' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 1 }));
  await waitForState(ref, 'Running', 90_000);
  // No kubelet for a while: the AddRo waits for its new pod, so the restart request lands mid-flow.
  op.kubelet.stop();
  await clusters().patch(ref, { spec: { followerNum: 2 } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'EnsureNewRoUpToDate', { timeoutMs: 30_000, describe: () => 'AddRo waiting for its pod' });
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
  op.kubelet = await startKubeletStandIn(kube(), rootLogger.child({ component: 'kubelet-stand-in' }));

  await waitUntil(async () => (await transitionRuns(client, ref)).at(-1)?.type === 'SharedStorageClusterRestartCluster' && (await transitionRuns(client, ref)).at(-1)?.status === 'COMPLETED', {
    timeoutMs: 90_000,
    describe: () => 'the restart requested during the AddRo never ran',
  });
  await waitForState(ref, 'Running');
  assert.deepEqual(
    (await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`),
    ['t1 CreateSharedStorageCluster COMPLETED', 't2 SharedStorageClusterAddRo COMPLETED', 't3 SharedStorageClusterRestartCluster COMPLETED'],
  );
  const cluster = await clusters().get(ref);
  assert.equal(cluster.metadata.annotations?.[triggerAnnotations.restartCluster], undefined, 'the restart consumed its own trigger');
  assert.deepEqual(cluster.status?.transition?.trigger, { [triggerAnnotations.restartCluster]: 'true' });
});

test('a trigger rewritten while its own flow runs is kept: the flow removes it only if unchanged', async () => {
  const ref = { namespace: ns, name: 'pc-rewritten' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 0 }));
  await waitForState(ref, 'Running', 90_000);
  op.kubelet.stop();
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.transition?.flowName === 'SharedStorageClusterRestartCluster', { timeoutMs: 30_000, describe: () => 'restart started' });
  // A second request, in another spelling the checker also accepts, while the first restart waits for its pods.
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'T' } } });
  op.kubelet = await startKubeletStandIn(kube(), rootLogger.child({ component: 'kubelet-stand-in' }));
  await waitUntil(async () => (await transitionRuns(client, ref)).filter((r) => r.type === 'SharedStorageClusterRestartCluster' && r.status === 'COMPLETED').length === 2, {
    timeoutMs: 90_000,
    describe: () => 'the second restart request never ran',
  });
  await waitForState(ref, 'Running');
  assert.equal((await clusters().get(ref)).metadata.annotations?.[triggerAnnotations.restartCluster], undefined);
});
