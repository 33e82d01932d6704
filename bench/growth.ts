/**
 * P5: how the cost grows. Trigger → workflow start (against its floor) and the controller's memory at 100, 1,000 and
 * 5,000 watched clusters; flow throughput with 1, 2 and 4 worker processes on one task queue.
 *   node --import tsx bench/growth.ts [sizes=100,1000,5000] [workers=1,2,4] [clustersPerThroughputRun=500]
 */
import { isMain, mb, ms, percentile, runStandalone, type BenchResult, type BenchRow } from './bench-table';
import { withLocalStack } from './bench-stack';
import { controllerLatency } from './controller-latency';
import { scaleRun } from './scale';

export interface GrowthOptions {
  sizes: number[];
  workers: number[];
  /** Clusters created at once in each throughput run. */
  flows: number;
  /** Triggers measured at each size. */
  transitions: number;
}

export async function growth(options: GrowthOptions): Promise<BenchResult> {
  const rows: BenchRow[] = [];
  const lines = ['| clusters watched | trigger → start p50 | p99 | floor p99 | controller memory |', '|---|---|---|---|---|'];
  for (const size of options.sizes) {
    const result = await controllerLatency({ transitions: options.transitions, clusters: size });
    const p99 = percentile(result.startMs, 99);
    const floor = percentile(result.floorMs, 99);
    lines.push(`| ${size.toLocaleString('en')} | ${ms(percentile(result.startMs, 50))} | ${ms(p99)} | ${ms(floor)} | ${mb(result.rssMb)} |`);
    rows.push({
      metric: `P5 trigger → start p99 and controller memory, ${size.toLocaleString('en')} clusters watched`,
      mpdflow: `${ms(p99)}, ${mb(result.rssMb)}`,
      floor: `${ms(floor)} (bare watch + patch + start)`,
      ratio: p99 / floor,
      goal: 'growth, not a goal',
    });
  }
  const throughput = ['| worker processes | flows/min | all Running after | worker memory (each) |', '|---|---|---|---|'];
  let single: number | undefined;
  for (const workers of options.workers) {
    const run = await scaleRun({ clusters: options.flows, workers, ceiling: workers === options.workers[0] });
    single ??= run.flowsPerMinute;
    const ceiling = run.ceilingPerMinute ? ` (server ceiling, bare: ${run.ceilingPerMinute.toFixed(0)}/min)` : '';
    throughput.push(`| ${workers} | ${run.flowsPerMinute.toFixed(0)}${ceiling} | ${run.seconds.toFixed(0)} s | ${run.workerMb.map((m) => mb(m)).join(', ')} |`);
    rows.push({
      metric: `P5 ${options.flows} clusters created at once, ${workers} worker process${workers > 1 ? 'es' : ''}: flows/min`,
      mpdflow: `${run.flowsPerMinute.toFixed(0)}/min`,
      floor: `${single.toFixed(0)}/min (1 worker)`,
      ratio: run.flowsPerMinute / single,
      goal: 'growth, not a goal',
    });
  }
  return { rows, notes: [`P5 reaction and memory by clusters watched\n${lines.join('\n')}`, `P5 throughput by worker processes\n${throughput.join('\n')}`] };
}

if (isMain(import.meta.url)) {
  const list = (arg: string | undefined, fallback: number[]) => (arg ? arg.split(',').map(Number) : fallback);
  runStandalone(() =>
    withLocalStack(() => growth({ sizes: list(process.argv[2], [100, 1000, 5000]), workers: list(process.argv[3], [1, 2, 4]), flows: Number(process.argv[4] ?? 500), transitions: 100 })),
  );
}
