/**
 * P3: `clusters` MPDClusters created at once, each driven by `mpdflow controller` through a 7-step flow of no-op steps
 * on `workers` `mpdflow worker` processes (all from dist/, as production runs), against the same server's ceiling:
 * as many bare workflows of the same shape (seven no-op activities) started at once, on one bare worker.
 *   node --import tsx bench/scale.ts [clusters=1000] [workers=1]
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { configFromEnv } from '../src/config';
import { waitUntil } from '../src/infra/wait';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { isMain, mb, runStandalone, type BenchResult } from './bench-table';
import { serverPids, temporalMetricsUrl, withLocalStack } from './bench-stack';
import { inBatches, startControllerProcess, startMpdflowProcess, type MpdflowProcess } from './controller-process';
import { cpuDelta, cpuSnapshot } from './cpu-accounting';
import { apiRequestCounts, requestsPerRun, temporalRequestCounts, type RequestCounts } from './api-requests';
import { watchRunning } from './running-watch';
import { cpuPerFlowRow, flowTimeline, type ScaleOutcome } from './scale-report';
import { closeSafeInterceptors } from '../src/infra/close-safe-retry';

export type { ScaleOutcome } from './scale-report';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface ScaleOptions {
  clusters: number;
  workers: number;
  /** Also measure the server's ceiling for bare workflows of the same shape (the same number, at once). */
  ceiling?: boolean;
  /** Environment of the worker processes (e.g. MPDFLOW_PROGRESS=off). */
  workerEnv?: Record<string, string>;
}

/** Temporal's request counts now, or none when the servers are not this bench's. */
async function temporalCounts(): Promise<RequestCounts> {
  const url = temporalMetricsUrl();
  return url ? temporalRequestCounts(url) : new Map();
}

/** Samples the resident memory of processes every half second; the highest sample of each. */
function sampleMemory(processes: MpdflowProcess[]): { stop(): number[] } {
  const highest = processes.map(() => 0);
  const timer = setInterval(() => processes.forEach((p, i) => (highest[i] = Math.max(highest[i]!, p.rssMb() || 0))), 500);
  return {
    stop() {
      clearInterval(timer);
      processes.forEach((p, i) => (highest[i] = Math.max(highest[i]!, p.rssMb() || 0)));
      return highest;
    },
  };
}

/** The ceiling: `count` bare workflows of seven no-op activities started at once; flows per minute. */
async function bareCeiling(client: Client, address: string, namespace: string, count: number): Promise<{ perMinute: number; cpuSeconds: Record<string, number>; temporalRequests: string }> {
  const taskQueue = `bench-ceiling-${Date.now()}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    namespace,
    taskQueue,
    workflowsPath: here('./baseline-workflows.ts'),
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  try {
    const before = cpuSnapshot(serverPids());
    const requestsBefore = await temporalCounts();
    const started = performance.now();
    const handles: Array<Promise<unknown>> = [];
    await inBatches(
      Array.from({ length: count }, (_, i) => i),
      50,
      async (i) => handles.push((await client.workflow.start('sevenActivities', { taskQueue, workflowId: `${taskQueue}-${i}` })).result()),
    );
    await Promise.all(handles);
    const perMinute = count / ((performance.now() - started) / 60_000);
    const cpu = cpuDelta(before, cpuSnapshot(serverPids()));
    const temporalRequests = requestsPerRun(requestsBefore, await temporalCounts(), count);
    return { perMinute, cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / 1000])), temporalRequests };
  } finally {
    worker.shutdown();
    await running;
  }
}

export async function scaleRun(options: ScaleOptions): Promise<ScaleOutcome> {
  const config = configFromEnv();
  const address = config.temporal.address!;
  const taskQueue = `bench-scale-${Date.now()}`;
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const clusters = new MpdClusterClient(kube);
  const ns = `bench-scale-${Date.now()}`;
  await kube.core.createNamespace({ body: { metadata: { name: ns } } });
  const connection = await Connection.connect({ ...closeSafeInterceptors(), address });
  const client = new Client({ connection, namespace: config.temporal.namespace });

  const ceiling = options.ceiling ? await bareCeiling(client, address, config.temporal.namespace, options.clusters) : undefined;

  const workers = await Promise.all(
    Array.from({ length: options.workers }, (_, i) => startMpdflowProcess({ command: 'worker', operator: 'scale-operator', taskQueue, label: `worker-${i + 1}`, env: options.workerEnv ?? {} })),
  );
  const controller = await startControllerProcess({ operator: 'scale-operator', namespace: ns, taskQueue });
  const ready = async (p: MpdflowProcess) => {
    try {
      return (await fetch(`http://127.0.0.1:${p.opsPort}/readyz`)).ok;
    } catch {
      return false;
    }
  };
  await waitUntil(async () => (await Promise.all([controller, ...workers].map(ready))).every(Boolean), {
    timeoutMs: 120_000,
    intervalMs: 250,
    describe: () => [controller, ...workers].map((p) => p.logTail()).join('\n'),
  });

  const running = await watchRunning(kube, ns);
  const runningNames = running.names;
  const memory = sampleMemory([controller, ...workers]);
  const requestsBefore = await apiRequestCounts(kube.config);
  const temporalBefore = await temporalCounts();
  const pids = serverPids();
  const cpuBefore = cpuSnapshot({ ...pids, controller: controller.process.pid ?? 0, ...Object.fromEntries(workers.map((w, i) => [`worker ${i + 1}`, w.process.pid ?? 0])) });
  const started = performance.now();
  const startedAt = Date.now();
  const names = Array.from({ length: options.clusters }, (_, i) => `pc-${i}`);
  // "At once": as fast as the API server takes them, 50 requests in flight.
  await inBatches(names, 50, (name) => clusters.create({ metadata: { namespace: ns, name }, spec: { dbClusterType: 'share', followerNum: 0 } }));
  const createdAfter = (performance.now() - started) / 1000;
  await waitUntil(async () => runningNames.size >= options.clusters, {
    timeoutMs: 3_600_000,
    intervalMs: 250,
    describe: () => `${runningNames.size}/${options.clusters} Running\n${controller.logTail()}`,
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuDelta(cpuBefore, cpuSnapshot({ ...pids, controller: controller.process.pid ?? 0, ...Object.fromEntries(workers.map((w, i) => [`worker ${i + 1}`, w.process.pid ?? 0])) }));
  const [controllerMb, ...workerMb] = memory.stop();
  const apiRequests = requestsPerRun(requestsBefore, await apiRequestCounts(kube.config), options.clusters);
  const temporalRequests = requestsPerRun(temporalBefore, await temporalCounts(), options.clusters);
  running.stop();

  // Exactly one create run per cluster: every run of this namespace, by cluster, as Temporal's visibility lists them.
  const runsOf = new Map<string, number>();
  const startTimes: number[] = [];
  const closeTimes: number[] = [];
  await waitUntil(
    async () => {
      runsOf.clear();
      startTimes.length = 0;
      closeTimes.length = 0;
      for await (const run of client.workflow.list({ query: `MpdNamespace = "${ns}"` })) {
        const name = run.workflowId.split('/')[2] ?? '';
        runsOf.set(name, (runsOf.get(name) ?? 0) + 1);
        startTimes.push(run.startTime.getTime());
        if (run.closeTime) closeTimes.push(run.closeTime.getTime());
      }
      return [...runsOf.values()].reduce((a, b) => a + b, 0) >= options.clusters;
    },
    { timeoutMs: 60_000, intervalMs: 1000, describe: () => `visibility lists ${runsOf.size} clusters` },
  );
  const duplicates = [...runsOf.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const timeline = flowTimeline(startedAt, createdAfter, startTimes, closeTimes);

  await controller.stop();
  await Promise.all(workers.map((w) => w.stop()));
  await connection.close();
  await kube.core.deleteNamespace({ name: ns }).catch(() => undefined);
  return {
    clusters: options.clusters,
    workers: options.workers,
    seconds,
    flowsPerMinute: options.clusters / (seconds / 60),
    running: runningNames.size,
    duplicates,
    ...(ceiling ? { ceilingPerMinute: ceiling.perMinute, ceilingCpuSeconds: ceiling.cpuSeconds, ceilingTemporalRequests: ceiling.temporalRequests } : {}),
    controllerMb: controllerMb!,
    workerMb,
    cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([name, ms]) => [name, ms / 1000])),
    timeline,
    apiRequests,
    temporalRequests,
  };
}

export async function scale(options: { clusters: number }): Promise<BenchResult> {
  const run = await scaleRun({ clusters: options.clusters, workers: 1, ceiling: true });
  const ratio = run.flowsPerMinute / run.ceilingPerMinute!;
  const n = options.clusters.toLocaleString('en');
  return {
    rows: [
      {
        metric: `P3 ${n} clusters created at once, 7 no-op steps, 1 worker: flows/min (all Running after ${run.seconds.toFixed(0)} s)`,
        mpdflow: `${run.flowsPerMinute.toFixed(0)}/min`,
        floor: `${run.ceilingPerMinute!.toFixed(0)}/min (bare workflows, 7 activities)`,
        ratio,
        goal: '≥ 0.80',
        met: ratio >= 0.8,
      },
      cpuPerFlowRow(run),
      {
        metric: `P3 ${n} clusters: Running, duplicate workflows`,
        mpdflow: `${run.running} Running, ${run.duplicates} duplicates`,
        floor: `${run.clusters} Running, 0 duplicates`,
        goal: 'all Running, 0 duplicates',
        met: run.running === run.clusters && run.duplicates === 0,
      },
      {
        metric: `P3 controller resident memory while ${n} clusters are created (highest sample)`,
        mpdflow: mb(run.controllerMb),
        floor: '',
        goal: '≤ 150 MB',
        met: run.controllerMb <= 150,
      },
      {
        metric: `P3 worker resident memory while ${n} flows run (highest sample)`,
        mpdflow: mb(run.workerMb[0]!),
        floor: '',
        goal: '≤ 250 MB',
        met: run.workerMb[0]! <= 250,
      },
    ],
    notes: [
      `P3 timeline: ${run.timeline}`,
      `P3 API server requests per cluster (the bench's create and watch included): ${run.apiRequests}`,
      `P3 Temporal requests and database operations per flow: mpdflow ${run.temporalRequests}; bare workflows ${run.ceilingTemporalRequests ?? '-'}`,
      `P3 CPU seconds by process during the ${n} creates: ${Object.entries(run.cpuSeconds).map(([name, s]) => `${name} ${s.toFixed(1)}`).join(', ')}; ` +
        `during the ${n} bare workflows: ${Object.entries(run.ceilingCpuSeconds ?? {}).map(([name, s]) => `${name} ${s.toFixed(1)}`).join(', ')}`,
    ],
  };
}

if (isMain(import.meta.url)) {
  const clusters = Number(process.argv[2] ?? 1000);
  const workers = Number(process.argv[3] ?? 1);
  const progress = process.argv[4] !== 'off';
  if (workers === 1 && progress && !process.env.MPDFLOW_BENCH_WORKER_NODE_OPTIONS) runStandalone(() => withLocalStack(() => scale({ clusters })));
  else
    runStandalone(() =>
      withLocalStack(async () => {
        const workerEnv: Record<string, string> = progress ? {} : { MPDFLOW_PROGRESS: 'off' };
        if (process.env.MPDFLOW_BENCH_WORKER_NODE_OPTIONS) workerEnv.NODE_OPTIONS = process.env.MPDFLOW_BENCH_WORKER_NODE_OPTIONS;
        const run = await scaleRun({ clusters, workers, ceiling: true, workerEnv });
        return { rows: [], notes: [JSON.stringify(run, null, 2)] };
      }),
    );
}
