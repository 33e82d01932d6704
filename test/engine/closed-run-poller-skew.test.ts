/** The closed-run poller under clock skew: this machine's clock ahead of or behind Temporal's (finding 7 of issue 21). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { ClosedRunPoller } from '../../src/temporal/closed-run-poller';
import { waitUntil } from '../../src/infra/wait';
import { temporalClient, testTaskQueue, uniqueSuffix } from '../helpers/stack';

// Runs on a task queue nobody polls: they stay open until terminated, so each close happens when the test says.
const taskQueue = testTaskQueue('closed-run-skew');
let temporal: { client: Client; close: () => Promise<void> } | undefined;
const client = async () => (temporal ??= await temporalClient()).client;
after(() => temporal?.close());

const start = async (workflowId: string, reuse = false) =>
  (await client()).workflow.start('NobodyRunsThis', { taskQueue, workflowId, ...(reuse ? { workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const } : {}) });
const terminate = async (workflowId: string) => (await client()).workflow.getHandle(workflowId).terminate('closed by the test');

function track(wait: Promise<boolean>): () => 'closed' | 'not closed' | 'waiting' {
  let outcome: 'closed' | 'not closed' | 'waiting' = 'waiting';
  void wait.then((closed) => (outcome = closed ? 'closed' : 'not closed'));
  return () => outcome;
}

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
