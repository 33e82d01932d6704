import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRelease, releaseAttempts, releaseBackoffMs, type ReleaseFacts } from '../../src/controller/release-retry';

const now = new Date('2026-01-01T00:00:00Z');
const facts = (over: Partial<ReleaseFacts>): ReleaseFacts => ({ recorded: undefined, lastRun: undefined, failure: async () => 'step ReleaseStorage: disk busy', retryAsked: undefined, clusterName: 'c', now, ...over });

test('a release never run starts; a failed one is counted once, reported, and tried again only after its backoff', async () => {
  assert.deepEqual(await decideRelease(facts({})), { action: 'start' });
  const first = await decideRelease(facts({ lastRun: { runId: 'r1', status: 'FAILED' } }));
  assert.equal(first.action, 'wait');
  assert.equal(first.action === 'wait' && first.afterMs, releaseBackoffMs(1));
  assert.equal(first.record?.failures, 1);
  assert.match(first.event?.message ?? '', /attempt 1 of 5\): step ReleaseStorage: disk busy; next attempt at/);
  // The same failed run seen again (a requeue, another reconcile) is not counted again, and waits out the backoff.
  const again = await decideRelease(facts({ recorded: first.record, lastRun: { runId: 'r1', status: 'FAILED' }, now: new Date(now.getTime() + 500) }));
  assert.deepEqual(again, { action: 'wait', afterMs: releaseBackoffMs(1) - 500 });
  const due = await decideRelease(facts({ recorded: first.record, lastRun: { runId: 'r1', status: 'FAILED' }, now: new Date(now.getTime() + releaseBackoffMs(1)) }));
  assert.deepEqual(due, { action: 'start' });
  assert.ok(releaseBackoffMs(2) > releaseBackoffMs(1) && releaseBackoffMs(30) === 5 * 60_000, 'backoff doubles, up to 5 minutes');
});

test('after the last attempt the release gives up, says how to ask again, and starts again only when asked', async () => {
  const recorded = { failures: releaseAttempts - 1, lastFailedRunId: 'r4', nextAttemptAt: now.toISOString() };
  const last = await decideRelease(facts({ recorded, lastRun: { runId: 'r5', status: 'TERMINATED' } }));
  assert.equal(last.action, 'gaveUp');
  assert.match(last.event?.message ?? '', /release failed 5 times \(TERMINATED\).*mpdflow\.io\/retry-release=/);
  assert.deepEqual(await decideRelease(facts({ recorded: last.record, lastRun: { runId: 'r5', status: 'TERMINATED' } })), { action: 'gaveUp' });
  const asked = await decideRelease(facts({ recorded: last.record, lastRun: { runId: 'r5', status: 'TERMINATED' }, retryAsked: '1700000000' }));
  assert.equal(asked.action, 'start');
  assert.equal(asked.record?.failures, 0);
  const sameAsk = await decideRelease(facts({ recorded: asked.record, lastRun: { runId: 'r5', status: 'TERMINATED' }, retryAsked: '1700000000' }));
  assert.deepEqual(sameAsk, { action: 'start' }, 'the ask acted on is not reset twice; the run it started decides next');
});
