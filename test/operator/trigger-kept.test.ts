/** Flows clean up only their own trigger: a request written while another flow runs is kept and runs next (issue 9, item 6). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { sharedOperatorSuite } from '../helpers/shared-operator';
import { holdEngineLock } from '../helpers/engine-lock';

const suite = sharedOperatorSuite('trigger-kept');

test('restartCluster written while an AddRo runs survives its cleanup and runs next; each flow clears only its own trigger', { timeout: 600_000 }, async () => {
  const ref = { namespace: suite.ns, name: 'pc-kept' };
  await clusters().create(sampleCluster(suite.ns, ref.name, { followerNum: 1 }));
  await waitForState(ref, 'Running', 90_000);
  // The new RO's data directory is locked, as by another postmaster: the AddRo waits for its pod, so the restart
  // request lands mid-flow.
  const lock = await holdEngineLock(suite.ns, `${ref.name}-share`, 'ins-3');
  await lock.held;
  try {
    await clusters().patch(ref, { spec: { followerNum: 2 } });
    await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'EnsureNewRoUpToDate', { timeoutMs: 30_000, describe: () => 'AddRo waiting for its pod' });
    await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
  } finally {
    lock.release();
  }

  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.type === 'SharedStorageClusterRestartCluster' && (await transitionRuns(suite.client, ref)).at(-1)?.status === 'COMPLETED', {
    timeoutMs: 90_000,
    describe: () => 'the restart requested during the AddRo never ran',
  });
  await waitForState(ref, 'Running');
  assert.deepEqual(
    (await transitionRuns(suite.client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`),
    ['t1 CreateSharedStorageCluster COMPLETED', 't2 SharedStorageClusterAddRo COMPLETED', 't3 SharedStorageClusterRestartCluster COMPLETED'],
  );
  const cluster = await clusters().get(ref);
  assert.equal(cluster.metadata.annotations?.[triggerAnnotations.restartCluster], undefined, 'the restart consumed its own trigger');
  assert.deepEqual(cluster.status?.transition?.trigger, { [triggerAnnotations.restartCluster]: 'true' });
});

test('a trigger rewritten while its own flow runs is kept: the flow removes it only if unchanged', { timeout: 600_000 }, async () => {
  const ref = { namespace: suite.ns, name: 'pc-rewritten' };
  await clusters().create(sampleCluster(suite.ns, ref.name, { followerNum: 0 }));
  await waitForState(ref, 'Running', 90_000);
  // A rebuild replaces ins-1's pod: once its postmaster stops, the test holds the data directory's lock before the new
  // pod starts (it is created only after the old one is gone), so the rebuild waits for it. (A restart no longer
  // replaces the pod: the HA manager restarts PostgreSQL in place.)
  const lock = await holdEngineLock(suite.ns, `${ref.name}-share`, 'ins-1');
  try {
    await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.forceRebuild]: 'true' } } });
    await waitUntil(async () => (await clusters().get(ref)).status?.transition?.flowName === 'SharedStorageClusterRebuild', { timeoutMs: 30_000, describe: () => 'rebuild started' });
    await lock.held;
    // A second request, in another spelling the checker also accepts (the rebuild itself rewrote the first as `T`, the
    // seed's SetRebuildTag), while the first rebuild waits for its pod.
    await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.forceRebuild]: '1' } } });
  } finally {
    lock.release();
  }
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).filter((r) => r.type === 'SharedStorageClusterRebuild' && r.status === 'COMPLETED').length === 2, {
    timeoutMs: 180_000,
    describe: () => 'the second rebuild request never ran',
  });
  await waitForState(ref, 'Running');
  assert.equal((await clusters().get(ref)).metadata.annotations?.[triggerAnnotations.forceRebuild], undefined);
});
