/**
 * `npm run bench`: every benchmark against its floor measured in the same run, one table.
 *   node --import tsx bench/main.ts [--quick] [--only name,name]
 * --quick is the smoke size `npm test` runs (it checks they run, never how fast). The table and the notes are
 * printed and written to .mpdflow/bench/latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { say, sendLogsTo } from '../src/infra/log';
import { projectRoot } from '../src/infra/paths';
import { installSdkRuntime } from '../src/temporal/sdk-runtime';
import { benchLogDirEnv } from './bench-logs';
import { formatTable, isMain, machineLine, type BenchResult, type BenchRow } from './bench-table';
import { withLocalStack } from './bench-stack';
import { controllerLatency } from './controller-latency';
import { flowOverhead } from './flow-overhead';
import { growth } from './growth';
import { leaderHandover } from './leader-handover';
import { retryInterval } from './retry-interval';
import { scale } from './scale';
import { workQueueBackoff } from './work-queue-backoff';
import { database } from './database';

export interface Benchmark {
  name: string;
  run(quick: boolean): Promise<BenchResult>;
  /** Runs on a stack of its own with the real node (engine pods), after the others: its kubelet loads no other figure. */
  needsNode?: boolean;
}

export const benchmarks: Benchmark[] = [
  { name: 'flow-overhead', run: (quick) => flowOverhead(quick ? { runs: 2, counted: 1 } : { runs: 30, counted: 3 }) },
  { name: 'controller-latency', run: (quick) => controllerLatency(quick ? { transitions: 4, clusters: 10 } : { transitions: 200, clusters: 1000 }) },
  { name: 'scale', run: (quick) => scale({ clusters: quick ? 5 : 1000 }) },
  {
    name: 'growth',
    run: (quick) => growth(quick ? { sizes: [5], workers: [1, 2], flows: 4, transitions: 2 } : { sizes: [100, 1000, 5000], workers: [1, 2, 4], flows: 500, transitions: 100 }),
  },
  { name: 'retry-interval', run: (quick) => retryInterval({ failures: quick ? 1 : 5 }) },
  { name: 'work-queue-backoff', run: (quick) => workQueueBackoff({ baseDelayMs: 20, failures: quick ? 3 : 6 }) },
  { name: 'leader-handover', run: (quick) => leaderHandover(quick ? { trials: 1, leaseSeconds: 3 } : { trials: 3, leaseSeconds: 6 }) },
  { name: 'database', needsNode: true, run: (quick) => database(quick ? { switches: 2, floorTrials: 1, failovers: 1 } : { switches: 20, floorTrials: 3, failovers: 3 }) },
];

/** The machine's load average (1, 5 and 15 minutes), as uptime prints it. */
const loadLine = () => loadavg().map((load) => load.toFixed(2)).join(', ');

export interface BenchReport {
  rows: BenchRow[];
  notes: string[];
  /** Benchmarks that threw, with the error: their rows are missing. */
  failed: Array<{ name: string; error: string }>;
}

/** Runs the chosen benchmarks one after another against the servers the environment names. */
export async function runBenchmarks(options: { quick: boolean; only?: string[]; withNode?: boolean; log?: (line: string) => void }): Promise<BenchReport> {
  const report: BenchReport = { rows: [], notes: [], failed: [] };
  for (const benchmark of benchmarks) {
    if (options.only && !options.only.includes(benchmark.name)) continue;
    if (Boolean(benchmark.needsNode) !== Boolean(options.withNode)) continue;
    const started = performance.now();
    const loadBefore = loadLine();
    options.log?.(`${benchmark.name}... (load average ${loadBefore})`);
    try {
      const result = await benchmark.run(options.quick);
      report.rows.push(...result.rows);
      // How busy the machine was: a ratio measured on a busy machine is labelled so (README: Performance).
      report.notes.push(`${benchmark.name}: load average (1, 5, 15 min) ${loadBefore} at its start, ${loadLine()} at its end`, ...result.notes);
      options.log?.(`${benchmark.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      report.failed.push({ name: benchmark.name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      options.log?.(`${benchmark.name} FAILED: ${String(error)}`);
    }
  }
  return report;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1]?.split(',') : undefined;
  // The run's logs (this process's JSON lines, its worker and controller processes', the servers') in one directory.
  const logDir = join(projectRoot, '.mpdflow', 'bench', 'logs', new Date().toISOString().replace(/[:.]/g, '-'));
  process.env[benchLogDirEnv] = logDir;
  const logStream = sendLogsTo(join(logDir, 'bench.log'));
  // The Temporal SDK's own lines (the bare workers') into the same file, not the terminal.
  installSdkRuntime();
  say(`bench: logs of this run go to ${logDir}`);
  const log = (line: string) => say(`bench: ${line}`);
  const report = await withLocalStack(() => runBenchmarks({ quick, only, log }));
  if (benchmarks.some((b) => b.needsNode && (!only || only.includes(b.name)))) {
    const onNode = await withLocalStack(() => runBenchmarks({ quick, only, withNode: true, log }), { node: true });
    report.rows.push(...onNode.rows);
    report.notes.push(...onNode.notes);
    report.failed.push(...onNode.failed);
  }
  logStream.end();
  const text = [
    `mpdflow benchmarks${quick ? ' (--quick: smoke sizes, not results)' : ''}: ${machineLine()}`,
    '',
    formatTable(report.rows),
    '',
    ...report.notes.flatMap((note) => [note, '']),
    ...report.failed.map((f) => `FAILED ${f.name}: ${f.error}`),
    'Not run here: bench/pod-ready.ts (MPDFLOW_REAL_NODE=1), bench/soak (npm run soak).',
  ].join('\n');
  process.stdout.write(`${text}\n`);
  const dir = join(projectRoot, '.mpdflow', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${text}\n`);
  say(`bench: table and notes in ${join(dir, 'latest.md')}; logs in ${logDir}`);
  return report.failed.length > 0 ? 1 : 0;
}

if (isMain(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
