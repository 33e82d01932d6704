/** The benchmarks' processes: `mpdflow controller` / `mpdflow worker` as production runs them (dist/), and fleets of clusters. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/infra/free-port';
import { projectRoot } from '../src/infra/paths';
import { SupervisedProcess } from '../src/infra/supervised-process';
import { waitUntil } from '../src/infra/wait';
import type { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { benchLogFile } from './bench-logs';

/** A bench operator module as production would load it: compiled in dist/ when built, else its TypeScript source. */
export function benchOperatorModule(name: string): string {
  const compiled = join(projectRoot, 'dist', 'bench', `${name}.js`);
  return existsSync(compiled) ? compiled : join(projectRoot, 'bench', `${name}.ts`);
}

export async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/** `count` MPDClusters pc-0… in `namespace`, already Running (nothing for a controller to do but watch them). */
export async function createRunningClusters(clusters: MpdClusterClient, namespace: string, count: number, from = 0): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `pc-${from + i}`);
  await inBatches(names, 25, async (name) => {
    await clusters.create({ metadata: { namespace, name }, spec: { dbClusterType: 'share', followerNum: 0 } });
    await clusters.patchStatus({ namespace, name }, { clusterStatus: 'Running' });
  });
  return names;
}

export function rssMbOf(pid: number | undefined): number {
  if (!pid) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Peak resident memory so far (VmHWM). */
export function peakRssMbOf(pid: number | undefined): number {
  if (!pid) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

export async function metricValue(port: number, pattern: RegExp): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export interface MpdflowProcess {
  process: SupervisedProcess;
  opsPort: number;
  rssMb(): number;
  peakRssMb(): number;
  logTail(): string;
  stop(): Promise<void>;
}

/** `mpdflow <command>` on a bench operator, as its own process, with /metrics on a free port. */
/**
 * Node options of the worker and controller processes, for profiling: MPDFLOW_BENCH_CPU_PROFILE=<dir> (each writes a
 * V8 CPU profile there when it stops) and MPDFLOW_BENCH_NODE_ARGS (e.g. --trace-gc, which NODE_OPTIONS refuses).
 */
function profileArgs(label: string): string[] {
  const dir = process.env.MPDFLOW_BENCH_CPU_PROFILE;
  const extra = process.env.MPDFLOW_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : []), ...extra];
}

export async function startMpdflowProcess(options: {
  command: 'controller' | 'worker';
  operator: string;
  taskQueue: string;
  args?: string[];
  label?: string;
  env?: Record<string, string>;
}): Promise<MpdflowProcess> {
  const label = options.label ?? options.command;
  const spawn = (opsPort: number) =>
    new SupervisedProcess({
      name: label,
      command: process.execPath,
      args: [...profileArgs(label), join(projectRoot, 'bin', 'mpdflow.js'), options.command, '--operator', benchOperatorModule(options.operator), '--task-queue', options.taskQueue, '--ops-port', String(opsPort), ...(options.args ?? [])],
      env: { ...process.env, MPDFLOW_LOG_LEVEL: process.env.MPDFLOW_BENCH_CHILD_LOG_LEVEL ?? 'info', ...options.env },
      logFile: benchLogFile(label),
    });
  // A free port can be taken by another process before ours binds it (tests run in parallel): then try another.
  let opsPort = 0;
  let proc: SupervisedProcess | undefined;
  for (let attempt = 1; !proc; attempt++) {
    opsPort = await freePort();
    const candidate = spawn(opsPort);
    const answering = async () => (await fetch(`http://127.0.0.1:${opsPort}/healthz`).then((r) => r.ok).catch(() => false)) || candidate.hasExited;
    await waitUntil(answering, { timeoutMs: 120_000, intervalMs: 200, describe: () => candidate.logTail() });
    if (!candidate.hasExited) proc = candidate;
    else if (attempt >= 3) throw new Error(`${label} exited at start: ${candidate.describeExit()}`);
  }
  return {
    process: proc,
    opsPort,
    rssMb: () => rssMbOf(proc.pid),
    peakRssMb: () => peakRssMbOf(proc.pid),
    logTail: () => proc.logTail(),
    stop: () => proc.stop(),
  };
}

export interface ControllerProcess extends MpdflowProcess {
  /** Resolves once the controller has reconciled at least `count` times (every cluster once after its start). */
  reconciled(count: number, timeoutMs?: number): Promise<void>;
}

export async function startControllerProcess(options: { operator: string; namespace: string; taskQueue: string; relistSeconds?: number; args?: string[] }): Promise<ControllerProcess> {
  const controller = await startMpdflowProcess({
    command: 'controller',
    operator: options.operator,
    taskQueue: options.taskQueue,
    args: ['--namespace', options.namespace, '--no-leader-election', ...(options.relistSeconds ? ['--relist-every', String(options.relistSeconds)] : []), ...(options.args ?? []), ...(process.env.MPDFLOW_BENCH_CONTROLLER_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
  return {
    ...controller,
    async reconciled(count, timeoutMs = 600_000) {
      await waitUntil(async () => (await metricValue(controller.opsPort, /mpdflow_reconcile_duration_seconds_count\{outcome="ok"\} (\d+)/)) >= count, {
        timeoutMs,
        intervalMs: 500,
        describe: () => controller.logTail(),
      });
    },
  };
}
