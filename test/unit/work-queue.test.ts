import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/controller/work-queue';
import { sleep, waitUntil } from '../../src/infra/wait';

test('one reconcile per key at a time; adds during processing run once more; queued adds dedupe', async () => {
  const queue = new WorkQueue({ concurrency: 4 });
  const active = new Map<string, number>();
  const runs: string[] = [];
  let overlap = false;
  queue.start(async (key) => {
    active.set(key, (active.get(key) ?? 0) + 1);
    if (active.get(key)! > 1) overlap = true;
    runs.push(key);
    await sleep(30);
    active.set(key, active.get(key)! - 1);
  }, () => undefined);
  for (let i = 0; i < 10; i++) queue.add('a');
  await sleep(5);
  for (let i = 0; i < 10; i++) queue.add('a');
  queue.add('b');
  await waitUntil(async () => runs.length >= 3 && queue.depth === 0, { timeoutMs: 2000, describe: () => runs.join(',') });
  await sleep(100);
  await queue.stop();
  assert.equal(overlap, false);
  assert.equal(runs.filter((k) => k === 'a').length, 2, 'one run, plus one for the adds that came while it ran');
  assert.equal(runs.filter((k) => k === 'b').length, 1);
});

test('failures back off per key', async () => {
  const queue = new WorkQueue({ concurrency: 1, baseDelayMs: 20, maxDelayMs: 1000 });
  const times: number[] = [];
  queue.start(async () => {
    times.push(Date.now());
    if (times.length < 4) throw new Error('not yet');
  }, () => undefined);
  queue.add('k');
  await waitUntil(async () => times.length >= 4, { timeoutMs: 3000, describe: () => `${times.length} attempts` });
  await queue.stop();
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[1]! >= gaps[0]! && gaps[2]! >= gaps[1]!, `gaps grow: ${gaps.join(', ')}`);
  assert.ok(gaps[2]! >= 70, `third gap ≈ 80 ms, got ${gaps[2]}`);
});
