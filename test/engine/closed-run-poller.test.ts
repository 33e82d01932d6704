/** The controller's wait for runs to close: one visibility look per tick for many runs (issue 12, P3). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners, setMaxListeners } from 'node:events';
import type { Client } from '@temporalio/client';
import { ClosedRunPoller } from '../../src/temporal/closed-run-poller';
import { waitUntil } from '../../src/infra/wait';
import { temporalClient, testTaskQueue, uniqueSuffix } from '../helpers/stack';

// Runs on a task queue nobody polls: they stay open until terminated, so each close happens when the test says.
const taskQueue = testTaskQueue('closed-run-poller');
let temporal: { client: Client; close: () => Promise<void> } | undefined;
const client = async () => (temporal ??= await temporalClient()).client;
after(() => temporal?.close());

const start = async (workflowId: string, reuse = false) =>
  (await client()).workflow.start('NobodyRunsThis', { taskQueue, workflowId, ...(reuse ? { workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const } : {}) });
const terminate = async (workflowId: string) => (await client()).workflow.getHandle(workflowId).terminate('closed by the test');

/** Settles to 'closed', 'not closed' or 'waiting' (still pending), without waiting for it. */
function track(wait: Promise<boolean>): () => 'closed' | 'not closed' | 'waiting' {
  let outcome: 'closed' | 'not closed' | 'waiting' = 'waiting';
  void wait.then((closed) => (outcome = closed ? 'closed' : 'not closed'));
  return () => outcome;
}

test('many runs waited for at once: each wait ends when its own run closes, in the order they close', async () => {
  const poller = new ClosedRunPoller(await client(), { taskQueue, intervalMs: 200 });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // as the controller's: one signal for every wait
  const ids = Array.from({ length: 12 }, (_, i) => `closed-run-poller-${uniqueSuffix()}-${i}`);
  for (const id of ids) await start(id);
  const waits = ids.map((id) => track(poller.awaitClose(id, stop.signal, true)));
  // Closed one by one, each after the poller has looked again: a look that misses closes between looks leaves one waiting.
  for (let i = 0; i < ids.length; i++) {
    const looks = poller.looks;
    await terminate(ids[i]!);
    await waitUntil(async () => waits[i]!() === 'closed', { timeoutMs: 20_000, describe: () => `the wait for run ${i} after it closed (looks: ${poller.looks})` });
    assert.deepEqual(waits.slice(i + 1).map((w) => w()), ids.slice(i + 1).map(() => 'waiting'), 'runs still open are still waited for');
    assert.ok(poller.looks > looks, 'noticed by a look');
  }
  assert.equal(poller.waiting, 0);
  assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'every ended wait removed its listener');
});

test('a run that closed before the wait began, or never existed, is answered at once; an abort ends a wait with false', async () => {
  const poller = new ClosedRunPoller(await client(), { taskQueue, intervalMs: 200 });
  const stop = new AbortController();
  const closedBefore = `closed-run-poller-${uniqueSuffix()}-before`;
  await start(closedBefore);
  await terminate(closedBefore);
  assert.equal(await poller.awaitClose(closedBefore, stop.signal), true);
  assert.equal(await poller.awaitClose(`closed-run-poller-${uniqueSuffix()}-never`, stop.signal), false);

  const open = `closed-run-poller-${uniqueSuffix()}-open`;
  await start(open);
  const wait = poller.awaitClose(open, stop.signal, true);
  stop.abort();
  assert.equal(await wait, false);
  assert.equal(poller.waiting, 0);
  await terminate(open);
});

test('an earlier closed run of the same workflow id does not end the wait for the new run', async () => {
  const poller = new ClosedRunPoller(await client(), { taskQueue, intervalMs: 200 });
  const stop = new AbortController();
  const id = `closed-run-poller-${uniqueSuffix()}-again`;
  await start(id);
  await terminate(id);
  await start(id, true); // a release flow runs again after a failed run: same id, a new run
  const wait = track(poller.awaitClose(id, stop.signal, true));
  const looks = poller.looks;
  await waitUntil(async () => poller.looks >= looks + 3, { timeoutMs: 20_000, describe: () => `three looks (looks: ${poller.looks})` });
  assert.equal(wait(), 'waiting', 'the first run closed within every look\'s window, yet the new run is open');
  await terminate(id);
  await waitUntil(async () => wait() === 'closed', { timeoutMs: 20_000, describe: () => 'the wait for the new run after it closed' });
});

// Clock skew (finding 7 of issue 21): this machine's clock ahead of or behind Temporal's.
const minutes = 60_000;

for (const skew of [5 * minutes, 30 * minutes]) {
  test(`this machine's clock ${skew / minutes} min ahead of Temporal's: a terminated run is still noticed`, async () => {
    const poller = new ClosedRunPoller(await client(), { taskQueue, intervalMs: 200, now: () => Date.now() + skew });
    const stop = new AbortController();
    const id = `closed-run-skew-${uniqueSuffix()}`;
    await start(id);
    const wait = track(poller.awaitClose(id, stop.signal, true));
    await terminate(id);
    await waitUntil(async () => wait() === 'closed', { timeoutMs: 15_000, describe: () => `the wait after the run closed (looks: ${poller.looks})` });
    stop.abort();
  });
}

test("this machine's clock 5 min behind Temporal's: an earlier closed run of the same id does not end the wait for the new run", async () => {
  const poller = new ClosedRunPoller(await client(), { taskQueue, intervalMs: 200, now: () => Date.now() - 5 * minutes });
  const stop = new AbortController();
  const id = `closed-run-skew-${uniqueSuffix()}-again`;
  await start(id);
  await terminate(id);
  await start(id, true);
  const wait = track(poller.awaitClose(id, stop.signal, true));
  const looks = poller.looks;
  await waitUntil(async () => poller.looks >= looks + 3, { timeoutMs: 20_000, describe: () => `three looks (looks: ${poller.looks})` });
  assert.equal(wait(), 'waiting', 'the earlier run closed, yet the new run is open');
  await terminate(id);
  await waitUntil(async () => wait() === 'closed', { timeoutMs: 20_000, describe: () => 'the wait for the new run after it closed' });
  stop.abort();
});
