/**
 * CPU time by process, from /proc: on a small machine the servers share the cores with mpdflow, so what a flow costs
 * is as much the CPU it makes the servers burn as the time it waits.
 */
import { readFileSync } from 'node:fs';

const ticksPerSecond = 100; // USER_HZ on Linux

function processCpuMs(pid: number): number {
  try {
    // Fields after the command (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

export type CpuSnapshot = Record<string, number>;

/** CPU ms so far of each named process, and of this one (all its threads: the worker's included). */
export function cpuSnapshot(pids: Record<string, number>): CpuSnapshot {
  const usage = process.cpuUsage();
  return { ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)])), 'this process (worker, client)': (usage.user + usage.system) / 1000 };
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - (before[name] ?? 0)]));
}

/** Accumulates CPU deltas per label (e.g. per kind of run), to print as mean CPU ms per run. */
export class CpuAccount {
  private readonly totals = new Map<string, { runs: number; cpu: CpuSnapshot }>();

  constructor(private readonly pids: Record<string, number>) {}

  async measure<T>(label: string, action: () => Promise<T>): Promise<T> {
    const before = cpuSnapshot(this.pids);
    const result = await action();
    const delta = cpuDelta(before, cpuSnapshot(this.pids));
    const total = this.totals.get(label) ?? { runs: 0, cpu: {} };
    total.runs += 1;
    for (const [name, ms] of Object.entries(delta)) total.cpu[name] = (total.cpu[name] ?? 0) + ms;
    this.totals.set(label, total);
    return result;
  }

  /** Mean CPU ms per run of `label` in one process (undefined label: 0). */
  mean(label: string, name: string): number {
    const total = this.totals.get(label);
    return total ? (total.cpu[name] ?? 0) / total.runs : 0;
  }

  /** Mean CPU ms per run of `label`, all processes together. */
  meanTotal(label: string): number {
    const total = this.totals.get(label);
    return total ? Object.keys(total.cpu).reduce((sum, name) => sum + this.mean(label, name), 0) : 0;
  }

  table(): string {
    const labels = [...this.totals.keys()];
    const names = [...new Set(labels.flatMap((label) => Object.keys(this.totals.get(label)!.cpu)))];
    const mean = (label: string, name: string) => this.mean(label, name);
    const rows = [
      ['CPU ms per run (mean)', ...labels],
      ...names.map((name) => [name, ...labels.map((label) => mean(label, name).toFixed(0))]),
      ['all', ...labels.map((label) => this.meanTotal(label).toFixed(0))],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
  }
}
