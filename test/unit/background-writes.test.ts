import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as afterMicrotasks } from 'node:timers/promises';
import { pino } from 'pino';
import { BackgroundWrites, RateLimiter } from '../../src/worker/background-writes';

const quiet = pino({ level: 'silent' });

/** A write that records its name and waits until the test lets it finish. */
function heldWrite(log: string[], name: string): { write: () => Promise<void>; finish: () => void } {
  let finish!: () => void;
  const finished = new Promise<void>((resolveWrite) => (finish = resolveWrite));
  return {
    write: async () => {
      log.push(name);
      await finished;
    },
    finish,
  };
}

test('latest: one write in flight per key, the newest of those that waited goes next, the ones in between never', async () => {
  const writes = new BackgroundWrites(quiet);
  const log: string[] = [];
  const [one, two, three] = ['step 1', 'step 2', 'step 3'].map((name) => heldWrite(log, name));
  writes.latest('ns/pc', one!.write);
  await afterMicrotasks();
  writes.latest('ns/pc', two!.write);
  writes.latest('ns/pc', three!.write);
  await afterMicrotasks();
  assert.deepEqual(log, ['step 1']);
  one!.finish();
  await afterMicrotasks();
  assert.deepEqual(log, ['step 1', 'step 3'], 'step 2 was replaced while it waited');
  three!.finish();
  await writes.drain();
});

test('settle: the write still waiting is dropped, the one in flight is awaited, nothing lands after it', async () => {
  const writes = new BackgroundWrites(quiet);
  const log: string[] = [];
  const [one, two] = ['step 1', 'step 2'].map((name) => heldWrite(log, name));
  writes.latest('ns/pc', one!.write);
  await afterMicrotasks();
  writes.latest('ns/pc', two!.write);
  let settled = false;
  const settling = writes.settle('ns/pc').then(() => (settled = true));
  await afterMicrotasks();
  assert.equal(settled, false, 'settle waits for the write in flight');
  one!.finish();
  await settling;
  await writes.drain();
  assert.deepEqual(log, ['step 1']);
});

test('latest: writes handed in together are one write, the newest', async () => {
  const writes = new BackgroundWrites(quiet, { latestPerSecond: 50 });
  const log: string[] = [];
  for (const name of ['step 1', 'step 2', 'step 3']) writes.latest('ns/pc', async () => void log.push(name));
  await writes.drain();
  assert.deepEqual(log, ['step 3']);
});

test('queue: every write, in order of arrival; a failing one is retried, then dropped', async () => {
  const writes = new BackgroundWrites(quiet, { concurrency: 1, attempts: 2, backoffMs: 1 });
  const log: string[] = [];
  writes.queue(async () => void log.push('a'));
  writes.queue(async () => {
    log.push('b');
    throw new Error('refused');
  });
  writes.queue(async () => void log.push('c'));
  await writes.drain();
  assert.deepEqual(log, ['a', 'b', 'b', 'c']);
});

test('the rate limit serves waiters in order and lets a burst through at once', async () => {
  const limiter = new RateLimiter(1000, 2);
  const granted: number[] = [];
  await Promise.all([0, 1, 2, 3].map((i) => limiter.take().then(() => granted.push(i))));
  assert.deepEqual(granted, [0, 1, 2, 3]);
});

test('latest with an interval: a key is written at most once per interval, always its newest; settle ends the pause at once', async () => {
  const writes = new BackgroundWrites(quiet, { latestIntervalMs: 60_000 });
  const log: string[] = [];
  writes.latest('ns/pc', async () => void log.push('step 2'));
  await afterMicrotasks();
  for (const name of ['step 3', 'step 4', 'step 5']) writes.latest('ns/pc', async () => void log.push(name));
  writes.latest('ns/other', async () => void log.push('other step 2'));
  await afterMicrotasks();
  assert.deepEqual(log, ['step 2', 'other step 2'], 'within the interval nothing more of ns/pc; another key is not held back');
  const started = performance.now();
  await writes.settle('ns/pc');
  await writes.settle('ns/other');
  await writes.drain();
  assert.ok(performance.now() - started < 1_000, 'settle does not wait out the interval');
  assert.deepEqual(log, ['step 2', 'other step 2'], 'what waited was dropped by settle (the completion writes the final status)');
});

test('latest with an interval: the newest write of a key goes out when the interval is over', async () => {
  const writes = new BackgroundWrites(quiet, { latestIntervalMs: 20 });
  const log: string[] = [];
  writes.latest('ns/pc', async () => void log.push('step 2'));
  await afterMicrotasks();
  for (const name of ['step 3', 'step 4']) writes.latest('ns/pc', async () => void log.push(name));
  await writes.drain();
  assert.deepEqual(log, ['step 2', 'step 4']);
});
