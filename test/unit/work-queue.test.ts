import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as afterMicrotasks } from 'node:timers/promises';
import { WorkQueue } from '../../src/controller/work-queue';
import { waitUntil } from '../../src/infra/wait';

/** A promise with its resolver: the processor below holds each run until the test lets it go. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolveGate) => (open = resolveGate));
  return { opened, open };
}

test('one reconcile per key at a time; adds during processing run once more; queued adds dedupe', async () => {
  const queue = new WorkQueue({ concurrency: 4 });
  const active = new Map<string, number>();
  const runs: string[] = [];
  const gates: Array<{ key: string; open: () => void }> = [];
  let overlap = false;
  queue.start(async (key) => {
    active.set(key, (active.get(key) ?? 0) + 1);
    if (active.get(key)! > 1) overlap = true;
    runs.push(key);
    const held = gate();
    gates.push({ key, open: held.open });
    await held.opened;
    active.set(key, active.get(key)! - 1);
  }, () => undefined);
  const runsOf = (key: string) => runs.filter((k) => k === key).length;
  const release = async (key: string) => {
    await waitUntil(async () => gates.some((g) => g.key === key), { timeoutMs: 2_000, describe: () => `a run of ${key} (runs: ${runs.join(',')})` });
    gates.splice(gates.findIndex((g) => g.key === key), 1)[0]!.open();
    await afterMicrotasks(); // the queue's bookkeeping after the run is done
  };

  for (let i = 0; i < 10; i++) queue.add('a');
  await waitUntil(async () => runsOf('a') === 1, { timeoutMs: 2_000, describe: () => 'a is being processed' });
  for (let i = 0; i < 10; i++) queue.add('a'); // while a runs: one more run afterwards
  queue.add('b');
  await release('b');
  await release('a');
  await release('a');
  assert.equal(queue.depth, 0, 'nothing more queued once both runs of a are done');
  await queue.stop();
  assert.equal(overlap, false);
  assert.deepEqual({ a: runsOf('a'), b: runsOf('b') }, { a: 2, b: 1 }, 'one run, plus one for the adds that came while it ran');
});

/** A queue that records each delay it asks for: the backoff is checked as computed, not as measured by the clock. */
class RecordingQueue extends WorkQueue {
  readonly delays: number[] = [];
  override addAfter(key: string, delayMs: number): void {
    this.delays.push(delayMs);
    super.addAfter(key, delayMs);
  }
}

test('failures back off per key: each retry asks for a longer delay, capped, and success resets it', async () => {
  const queue = new RecordingQueue({ concurrency: 1, baseDelayMs: 1, maxDelayMs: 4 });
  let attempts = 0;
  queue.start(async () => {
    attempts += 1;
    if (attempts <= 5) throw new Error('not yet');
  }, () => undefined);
  queue.add('k');
  await waitUntil(async () => attempts === 6, { timeoutMs: 5_000, describe: () => `6 attempts, saw ${attempts}` });
  await afterMicrotasks();
  assert.deepEqual(queue.delays, [1, 2, 4, 4, 4], 'doubling from the base delay up to the cap');
  queue.add('k');
  await waitUntil(async () => attempts === 7, { timeoutMs: 5_000, describe: () => 'a seventh attempt' });
  await queue.stop();
  assert.deepEqual(queue.delays, [1, 2, 4, 4, 4], 'a success clears the key\'s failures: no backoff afterwards');
});
