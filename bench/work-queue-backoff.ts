/**
 * The work queue's per-key backoff as the clock sees it: the gaps between the attempts of a failing key, against
 * the delays the queue asked for. Printed, not asserted (test/unit/work-queue.test.ts checks the computed delays).
 *   node --import tsx bench/work-queue-backoff.ts [baseDelayMs=20] [failures=6]
 */
import { WorkQueue } from '../src/controller/work-queue';
import { waitUntil } from '../src/infra/wait';

const baseDelayMs = Number(process.argv[2] ?? 20);
const failures = Number(process.argv[3] ?? 6);

async function main(): Promise<void> {
  const queue = new WorkQueue({ concurrency: 1, baseDelayMs, maxDelayMs: 60_000 });
  const times: number[] = [];
  queue.start(async () => {
    times.push(performance.now());
    if (times.length <= failures) throw new Error('planned failure');
  }, () => undefined);
  queue.add('k');
  await waitUntil(async () => times.length > failures, { timeoutMs: baseDelayMs * 2 ** (failures + 1) + 5_000, intervalMs: 5, describe: () => `${times.length} attempts` });
  await queue.stop();
  process.stdout.write(`attempt  asked (ms)  measured gap (ms)\n`);
  for (let i = 1; i < times.length; i++) {
    const asked = baseDelayMs * 2 ** (i - 1);
    process.stdout.write(`${String(i + 1).padStart(7)}  ${String(asked).padStart(10)}  ${(times[i]! - times[i - 1]!).toFixed(1).padStart(17)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
