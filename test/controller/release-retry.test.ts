/** A release flow that keeps failing backs off, says so in Events and status, and lets the cluster go once it works. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { steer } from '../fixtures/test-operator-steps';
import { eventReasons } from '../helpers/flows';
import { clusters, createSampleCluster, flowRuns, testOperatorSuite, waitForState, waitUntilGone } from '../helpers/operator';

const suite = testOperatorSuite('release-retry');

test('a failing release is tried again with backoff and an Event per failure, and the cluster goes once it succeeds', { timeout: 180_000 }, async () => {
  const ref = await createSampleCluster(suite.ns, 'pc-release');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: 'ReleaseStorage' } } });
  await clusters().delete(ref);
  await waitUntil(async () => ((await clusters().get(ref)).status?.release?.failures ?? 0) >= 2, { timeoutMs: 60_000, describe: () => 'two release failures never recorded' });
  const status = (await clusters().get(ref)).status!.release!;
  assert.match(status.lastError ?? '', /ReleaseStorage/, 'the failure says why');
  assert.ok(status.nextAttemptAt, 'the next attempt is announced');
  const releases = (await flowRuns(suite.client, ref)).filter((r) => r.type === 'OpRelease');
  // Each run is started only after the one before failed and was counted: no run goes uncounted (no tight loop).
  assert.ok(releases.length <= (status.failures ?? 0) + 1, `${releases.length} release runs for ${status.failures} recorded failures`);
  assert.ok((await eventReasons(ref)).filter((r) => r === 'ReleaseFailed').length >= 2, 'an Event for each failure');

  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: null } } });
  await waitUntilGone(ref, 60_000);
});
