/**
 * The work queue's per-key backoff as the clock sees it: the gaps between the attempts of a failing key, against
 * the delays the queue asked for (test/unit/work-queue.test.ts checks the computed delays).
 *   node --import tsx bench/work-queue-backoff.ts [baseDelayMs=20] [failures=6]
 */
import { WorkQueue } from '../src/controller/work-queue';
import { waitUntil } from '../src/infra/wait';
import { isMain, ms, runStandalone, type BenchResult } from './bench-table';

export async function workQueueBackoff(options: { baseDelayMs: number; failures: number }): Promise<BenchResult> {
  const { baseDelayMs, failures } = options;
  const queue = new WorkQueue({ concurrency: 1, baseDelayMs, maxDelayMs: 60_000 });
  const times: number[] = [];
  queue.start(async () => {
    times.push(performance.now());
    if (times.length <= failures) throw new Error('planned failure');
  }, () => undefined);
  queue.add('k');
  await waitUntil(async () => times.length > failures, { timeoutMs: baseDelayMs * 2 ** (failures + 1) + 5_000, intervalMs: 5, describe: () => `${times.length} attempts` });
  await queue.stop();
  const lines = ['attempt  asked (ms)  measured gap (ms)'];
  let worstLate = 0;
  let early = false;
  let asked = 0;
  let measured = 0;
  for (let i = 1; i < times.length; i++) {
    const want = baseDelayMs * 2 ** (i - 1);
    const gap = times[i]! - times[i - 1]!;
    asked += want;
    measured += gap;
    worstLate = Math.max(worstLate, gap - want);
    if (gap < want - 1) early = true;
    lines.push(`${String(i + 1).padStart(7)}  ${String(want).padStart(10)}  ${gap.toFixed(1).padStart(17)}`);
  }
  return {
    rows: [
      {
        metric: `controller work queue: a failing key's backoff, ${failures} retries from ${baseDelayMs} ms (total wait)`,
        mpdflow: ms(measured),
        floor: `${ms(asked)} (asked)`,
        ratio: measured / asked,
        goal: 'never early; each gap ≤ asked + 50 ms',
        met: !early && worstLate <= 50,
      },
    ],
    notes: [`work-queue backoff gaps:\n${lines.join('\n')}`],
  };
}

if (isMain(import.meta.url)) {
  runStandalone(() => workQueueBackoff({ baseDelayMs: Number(process.argv[2] ?? 20), failures: Number(process.argv[3] ?? 6) }));
}
