/** The one table every benchmark reports into: metric | mpdflow | floor | ratio | goal. */
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';

export interface BenchRow {
  metric: string;
  /** What mpdflow measured, with its unit. */
  mpdflow: string;
  /** The same thing without mpdflow, measured in the same run (or the bound the goal is stated against). */
  floor: string;
  /** mpdflow ÷ floor, when the two are comparable. */
  ratio?: number;
  goal: string;
  /** Whether the goal is met; undefined when the row has no pass/fail goal. */
  met?: boolean;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Profiles and details printed after the table. */
  notes: string[];
}

export const ms = (value: number) => `${Math.round(value)} ms`;
export const mb = (value: number) => `${Math.round(value)} MB`;

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** The p-th percentile (nearest rank). */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export function formatTable(rows: BenchRow[]): string {
  const cells = [
    ['metric', 'mpdflow', 'floor', 'ratio', 'goal', ''],
    ...rows.map((row) => [row.metric, row.mpdflow, row.floor, row.ratio === undefined ? '' : row.ratio.toFixed(2), row.goal, row.met === undefined ? '' : row.met ? 'met' : 'NOT MET']),
  ];
  const lines = cells.map((row) => `| ${row.join(' | ')} |`);
  lines.splice(1, 0, `|${cells[0]!.map(() => '---').join('|')}|`);
  return lines.join('\n');
}

/** The machine and the date, for the README next to the table. */
export function machineLine(): string {
  const cpu = cpus();
  return `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
}

/** True when this module is the program node was started with (a benchmark run on its own). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}

/** A benchmark file run on its own: its table and notes, exit 1 on an error. */
export function runStandalone(run: () => Promise<BenchResult>): void {
  run().then(
    (result) => {
      process.stdout.write(`${formatTable(result.rows)}\n\n${result.notes.join('\n\n')}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
