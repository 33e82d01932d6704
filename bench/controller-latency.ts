/**
 * P2: trigger → workflow started through `mpdflow controller`, against its floor measured in the same run: a bare
 * watch sees the same kind of write, makes one bare status patch and one bare StartWorkflowExecution. Also the
 * controller's resident memory with `clusters` MPDClusters watched.
 *   node --import tsx bench/controller-latency.ts [transitions=200] [clusters=1000]
 * The controller runs as its own process from dist/ (npm run build), with a 10 s watchdog relist so that relists
 * happen while triggers are measured.
 */
import { fileURLToPath } from 'node:url';
import { Watch } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { configFromEnv } from '../src/config';
import { waitUntil } from '../src/infra/wait';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { loadOperator } from '../src/operator-api/load-operator';
import { startWorker } from '../src/worker/run-worker';
import { isMain, ms, mb, percentile, runStandalone, type BenchResult } from './bench-table';
import { withLocalStack } from './bench-stack';
import { createRunningClusters, startControllerProcess } from './controller-process';
import { tickAnnotation } from './controller-steps';
import { closeSafeInterceptors } from '../src/infra/close-safe-retry';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const floorAnnotation = 'bench.mpdflow/floor';

export interface ControllerLatencyOptions {
  transitions: number;
  clusters: number;
  /** Watchdog relist period of the controller under test. */
  relistSeconds?: number;
}

export interface ControllerLatencyResult extends BenchResult {
  startMs: number[];
  floorMs: number[];
  rssMb: number;
}

export async function controllerLatency(options: ControllerLatencyOptions): Promise<ControllerLatencyResult> {
  const config = configFromEnv();
  config.temporal.taskQueue = `bench-ctl-${Date.now()}`;
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const clusters = new MpdClusterClient(kube);
  const ns = `bench-ctl-${Date.now()}`;
  const floorNs = `${ns}-floor`;
  for (const name of [ns, floorNs]) await kube.core.createNamespace({ body: { metadata: { name } } });
  await createRunningClusters(clusters, ns, options.clusters);
  await createRunningClusters(clusters, floorNs, 1);

  const worker = await startWorker({ config, operator: await loadOperator(here('./controller-operator.ts')) });
  const controller = await startControllerProcess({ operator: 'controller-operator', namespace: ns, taskQueue: config.temporal.taskQueue, relistSeconds: options.relistSeconds ?? 10 });
  await controller.reconciled(options.clusters);
  const rssMb = controller.rssMb();

  const connection = await Connection.connect({ ...closeSafeInterceptors(), address: config.temporal.address! });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const floorQueue = `${config.temporal.taskQueue}-floor`;
  const floorWorker = await Worker.create({
    connection: await NativeConnection.connect({ address: config.temporal.address! }),
    namespace: config.temporal.namespace,
    taskQueue: floorQueue,
    workflowsPath: here('./baseline-workflows.ts'),
  });
  const floorRun = floorWorker.run();

  // The floor: what any controller must do for a trigger, with nothing else: see it, write once, start once.
  const floorStarted = new Map<string, Promise<void>>();
  const floorRef = { namespace: floorNs, name: 'pc-0' };
  const floorWatch = await new Watch(kube.config).watch(
    MpdClusterClient.watchPath(floorNs),
    {},
    (_phase, object: MPDCluster) => {
      const tick = object.metadata.annotations?.[floorAnnotation];
      if (!tick || floorStarted.has(tick)) return;
      floorStarted.set(
        tick,
        (async () => {
          await clusters.patchStatus(floorRef, { clusterStatus: 'Running', workflow: { message: tick } }, object.metadata.resourceVersion);
          await client.workflow.start('started', { taskQueue: floorQueue, workflowId: `${floorQueue}-${tick}` });
        })(),
      );
    },
    () => undefined,
  );

  const ref = { namespace: ns, name: 'pc-0' };
  // Transitions seen to finish (Running again, the trigger consumed), by the workflow id that ran them: watched,
  // not polled, so the bench adds no load of its own while the controller works.
  let finished: { workflowId: string; resourceVersion: string } | undefined;
  const clusterWatch = await new Watch(kube.config).watch(
    MpdClusterClient.watchPath(ns),
    { fieldSelector: `metadata.name=${ref.name}` },
    (_phase, object: MPDCluster) => {
      if (object.status?.clusterStatus === 'Running' && !object.metadata.annotations?.[tickAnnotation] && object.status.transition?.workflowId) {
        finished = { workflowId: object.status.transition.workflowId, resourceVersion: object.metadata.resourceVersion ?? '' };
      }
    },
    () => undefined,
  );
  const startMs: number[] = [];
  const floorMs: number[] = [];
  const warmUp = 2;
  for (let i = -warmUp; i < options.transitions; i++) {
    const tick = String(i);
    // The floor first, then the controller: alternating, so both see the same load.
    const floorBefore = Date.now();
    await clusters.patch(floorRef, { metadata: { annotations: { [floorAnnotation]: tick } } });
    await waitUntil(async () => floorStarted.has(tick), { timeoutMs: 10_000, intervalMs: 2, describe: () => `the floor never saw tick ${tick}` });
    await floorStarted.get(tick);
    const floorStart = (await client.workflow.getHandle(`${floorQueue}-${tick}`).describe()).startTime.getTime();
    if (i >= 0) floorMs.push(floorStart - floorBefore);

    const previous = finished?.workflowId;
    const before = Date.now();
    await clusters.patch(ref, { metadata: { annotations: { [tickAnnotation]: tick } } });
    await waitUntil(async () => finished !== undefined && finished.workflowId !== previous, {
      timeoutMs: 30_000,
      intervalMs: 2,
      describe: () => `transition ${i} never finished: ${controller.logTail()}`,
    });
    const handle = client.workflow.getHandle(finished!.workflowId);
    // The run closes before the next trigger: a trigger never waits for the run before it to finish closing.
    await handle.result();
    if (i >= 0) startMs.push((await handle.describe()).startTime.getTime() - before);
  }
  clusterWatch.abort();
  floorWatch.abort();
  await connection.close();
  await controller.stop();
  floorWorker.shutdown();
  await floorRun;
  await worker.shutdown();

  const p = (xs: number[], q: number) => percentile(xs, q);
  const ratio = p(startMs, 99) / p(floorMs, 99);
  return {
    startMs,
    floorMs,
    rssMb,
    rows: [
      {
        metric: `P2 trigger → workflow started, p99 (${options.transitions} triggers, ${options.clusters} clusters watched)`,
        mpdflow: `${ms(p(startMs, 99))} (p50 ${ms(p(startMs, 50))})`,
        floor: `${ms(p(floorMs, 99))} (p50 ${ms(p(floorMs, 50))}): bare watch + status patch + start`,
        ratio,
        goal: '≤ 1.5 × floor and < 60 ms',
        met: ratio <= 1.5 && p(startMs, 99) < 60,
      },
      {
        metric: `P2 controller resident memory, ${options.clusters} clusters watched`,
        mpdflow: mb(rssMb),
        floor: '',
        goal: '≤ 150 MB at 1,000 (P3)',
        ...(options.clusters >= 1000 ? { met: rssMb <= 150 } : {}),
      },
    ],
    notes: [],
  };
}

if (isMain(import.meta.url)) {
  const transitions = Number(process.argv[2] ?? 200);
  const clusters = Number(process.argv[3] ?? 1000);
  runStandalone(() => withLocalStack(() => controllerLatency({ transitions, clusters })));
}
