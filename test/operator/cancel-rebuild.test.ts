/**
 * A cancelled forceRebuild on the real shared-storage operator (issue 21): the rebuild's own SetRebuildTag rewrote the
 * request as `T` and recorded it, and the cancel consumes that; no second Rebuild starts from step 1 on its own, and a
 * recovery still rebuilds the cluster once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { cancelledAnnotation, interruptAnnotations } from '../../src/kube/annotations';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { holdEngineLock } from '../helpers/engine-lock';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { sharedOperatorSuite } from '../helpers/shared-operator';

const suite = sharedOperatorSuite('cancel-rebuild');

test('a rebuild cancelled midway consumes forceRebuild: no Rebuild starts again on its own; a recovery rebuilds once', { timeout: 600_000 }, async () => {
  const ref = { namespace: suite.ns, name: 'pc-cancel-rebuild' };
  await clusters().create(sampleCluster(suite.ns, ref.name, { followerNum: 0 }));
  await waitForState(ref, 'Running', 90_000);
  // The rebuild replaces ins-1's pod; the test holds its data directory's lock, so the rebuild waits for that pod.
  const lock = await holdEngineLock(suite.ns, `${ref.name}-share`, 'ins-1');
  try {
    await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.forceRebuild]: 'true' } } });
    await lock.held;
    await waitUntil(async () => (await clusters().get(ref)).status?.transition?.trigger?.[triggerAnnotations.forceRebuild] === 'T', {
      timeoutMs: 60_000,
      describe: () => 'the rebuild never recorded its own tag (SetRebuildTag)',
    });
    await clusters().patch(ref, { metadata: { annotations: { [cancelledAnnotation]: 'true' } } });
    const interrupted = await waitForState(ref, 'Interrupt', 60_000);
    assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
    assert.equal(interrupted.metadata.annotations?.[triggerAnnotations.forceRebuild], undefined, 'the cancelled request is consumed');
    // The run records its interrupt, then closes.
    await waitUntil(async () => (await transitionRuns(suite.client, ref)).every((r) => r.status !== 'RUNNING'), { timeoutMs: 30_000, describe: () => 'the cancelled run never closed' });
    assert.deepEqual((await transitionRuns(suite.client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`), [
      't1 CreateSharedStorageCluster COMPLETED',
      't2 SharedStorageClusterRebuild FAILED',
    ]);
  } finally {
    lock.release();
  }

  await clusters().patch(ref, { metadata: { annotations: { [interruptAnnotations.recover]: 'T' } } });
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.status === 'COMPLETED' && (await transitionRuns(suite.client, ref)).at(-1)?.run === 't2-r1', {
    timeoutMs: 240_000,
    describe: () => 'the recovered rebuild never completed',
  });
  const done = await waitForState(ref, 'Running');
  assert.equal(done.metadata.annotations?.[triggerAnnotations.forceRebuild], undefined, 'the recovered rebuild removed the tag it wrote again');
  assert.deepEqual((await transitionRuns(suite.client, ref)).map((r) => `${r.run} ${r.status}`), ['t1 COMPLETED', 't2 FAILED', 't2-r1 COMPLETED']);
});
