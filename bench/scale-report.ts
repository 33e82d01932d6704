/** What a P3 run measured, and the rows and lines made of it (bench/scale.ts). */
import { ms, type BenchRow } from './bench-table';

export interface ScaleOutcome {
  clusters: number;
  workers: number;
  seconds: number;
  flowsPerMinute: number;
  running: number;
  duplicates: number;
  ceilingPerMinute?: number;
  /** CPU seconds of the servers and this process (the bare worker) while the ceiling ran. */
  ceilingCpuSeconds?: Record<string, number>;
  /** Highest resident memory sampled while the flows ran (the start-up is not counted). */
  controllerMb: number;
  workerMb: number[];
  cpuSeconds: Record<string, number>;
  /** When the creates were accepted and the runs started and closed, from the first create. */
  timeline: string;
  /** API server requests per cluster while they were created, by verb and resource (bench/api-requests.ts). */
  apiRequests: string;
  /** Temporal frontend requests and database operations per flow, mpdflow's and the bare workflows' (bench/api-requests.ts). */
  temporalRequests: string;
  ceilingTemporalRequests?: string;
}

/** Seconds from the first create: all creates accepted; runs started (first, median, last); runs closed (median, last). */
export function flowTimeline(startedAt: number, createdAfter: number, startTimes: number[], closeTimes: number[]): string {
  const at = (times: number[], q: number) => {
    const sorted = [...times].sort((a, b) => a - b);
    return sorted.length ? ((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! - startedAt) / 1000).toFixed(1) : '-';
  };
  return `creates accepted ${createdAfter.toFixed(1)} s; runs started: first ${at(startTimes, 0)} s, median ${at(startTimes, 0.5)} s, last ${at(startTimes, 1)} s; runs closed: median ${at(closeTimes, 0.5)} s, last ${at(closeTimes, 1)} s`;
}

/** This process's share in a run: the bench's own client (its creates and its watch) with mpdflow, the bare worker without. */
const benchProcess = 'this process (worker, client)';

/**
 * CPU per flow in the burst: Temporal, kube-apiserver, etcd, the controller and the worker for mpdflow (not the bench's
 * client, which creates the clusters and watches them), against Temporal and the bare worker running the same shape.
 */
export function cpuPerFlowRow(run: ScaleOutcome): BenchRow {
  const sum = (cpu: Record<string, number>, skip?: string) => Object.entries(cpu).reduce((total, [name, s]) => (name === skip ? total : total + s), 0);
  const mpdflow = (sum(run.cpuSeconds, benchProcess) * 1000) / run.clusters;
  const floor = (sum(run.ceilingCpuSeconds ?? {}) * 1000) / run.clusters;
  return {
    metric: `CPU per flow, ${run.clusters.toLocaleString('en')} clusters at once (P3), 7 no-op steps: all processes (Temporal, kube-apiserver, etcd, worker, controller)`,
    mpdflow: ms(mpdflow),
    floor: `${ms(floor)} (bare workflows: Temporal and the bare worker)`,
    ratio: mpdflow / floor,
    goal: '≤ 1.50',
    met: mpdflow / floor <= 1.5,
  };
}
