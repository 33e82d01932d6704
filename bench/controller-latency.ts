/**
 * Controller latency and memory, against a bare watch on the same writes, in the same run:
 *   node --import tsx bench/controller-latency.ts [transitions=200] [clusters=1000]
 * 1. Creates `clusters` MPDClusters (Running), starts `mpdflow controller` as its own process and reads its RSS once
 *    it has reconciled all of them.
 * 2. For each transition: writes the trigger annotation, and measures (a) when a bare watch in this process sees the
 *    write and (b) when Temporal recorded the start of the workflow the controller started for it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Watch } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../src/config';
import { freePort } from '../src/infra/free-port';
import { localStackUnlessConfigured } from '../src/infra/local-stack';
import { projectRoot } from '../src/infra/paths';
import { SupervisedProcess } from '../src/infra/supervised-process';
import { waitUntil } from '../src/infra/wait';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { startWorker } from '../src/worker/run-worker';
import { loadOperator } from '../src/operator-api/load-operator';
import { tickAnnotation } from './controller-steps';

const transitions = Number(process.argv[2] ?? 200);
const clusterCount = Number(process.argv[3] ?? 1000);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

async function main(): Promise<void> {
  const stack = await localStackUnlessConfigured({ dataDir: mkdtempSync(join(tmpdir(), 'mpdflow-bench-')), webUi: false });
  const config = configFromEnv();
  config.temporal.taskQueue = `bench-ctl-${Date.now()}`;
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const clusters = new MpdClusterClient(kube);
  const ns = `bench-ctl-${Date.now()}`;
  await kube.core.createNamespace({ body: { metadata: { name: ns } } });

  process.stderr.write(`creating ${clusterCount} MPDClusters...\n`);
  const names = Array.from({ length: clusterCount }, (_, i) => `pc-${i}`);
  await inBatches(names, 25, async (name) => {
    await clusters.create({ metadata: { namespace: ns, name }, spec: { dbClusterType: 'share', followerNum: 0 } });
    await clusters.patchStatus({ namespace: ns, name }, { clusterStatus: 'Running' });
  });

  const worker = await startWorker({ config, operator: await loadOperator(here('./controller-operator.ts')) });
  const opsPort = await freePort();
  const controller = new SupervisedProcess({
    name: 'controller',
    command: process.execPath,
    args: [
      join(projectRoot, 'bin', 'mpdflow.js'), 'controller',
      '--operator', here('./controller-operator.ts'),
      '--namespace', ns, '--task-queue', config.temporal.taskQueue, '--no-leader-election', '--ops-port', String(opsPort),
    ],
    env: { ...process.env, MPDFLOW_LOG_LEVEL: 'warn' },
    logFile: join(tmpdir(), `mpdflow-bench-controller-${Date.now()}.log`),
  });
  const reconciled = async () => {
    const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    return Number(/mpdflow_reconcile_duration_seconds_count\{outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  await waitUntil(async () => (await reconciled()) >= clusterCount, { timeoutMs: 300_000, intervalMs: 1000, describe: () => controller.logTail() });
  const rssMb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${controller.pid}/status`, 'utf8'))![1]) / 1024;

  const connection = await Connection.connect({ address: config.temporal.address! });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const ref = { namespace: ns, name: 'pc-0' };
  const watchSeen = new Map<string, number>();
  const watcher = await new Watch(kube.config).watch(
    MpdClusterClient.watchPath(ns),
    {},
    (phase, object: MPDCluster) => {
      const tick = object.metadata.annotations?.[tickAnnotation];
      if (object.metadata.name === ref.name && tick && !watchSeen.has(tick)) watchSeen.set(tick, Date.now());
    },
    () => undefined,
  );
  const watchMs: number[] = [];
  const startMs: number[] = [];
  for (let i = 0; i < transitions; i++) {
    const tick = String(i);
    const before = Date.now();
    await clusters.patch(ref, { metadata: { annotations: { [tickAnnotation]: tick } } });
    await waitUntil(
      async () => {
        const c = await clusters.get(ref);
        return c.status?.clusterStatus === 'Running' && !c.metadata.annotations?.[tickAnnotation];
      },
      { timeoutMs: 30_000, intervalMs: 10, describe: () => `transition ${i} never finished` },
    );
    const description = await client.workflow.getHandle((await clusters.get(ref)).status!.transition!.workflowId).describe();
    await waitUntil(async () => watchSeen.has(tick), { timeoutMs: 5_000, intervalMs: 5, describe: () => `watch never saw tick ${tick}` });
    watchMs.push(watchSeen.get(tick)! - before);
    startMs.push(description.startTime.getTime() - before);
  }
  watcher.abort();
  process.stdout.write(
    `transitions=${transitions} clusters watched=${clusterCount}\n` +
      `bare watch event after the write:       p50 ${pct(watchMs, 50)} ms, p99 ${pct(watchMs, 99)} ms\n` +
      `workflow start (controller) after it:   p50 ${pct(startMs, 50)} ms, p99 ${pct(startMs, 99)} ms\n` +
      `controller resident memory with ${clusterCount} MPDClusters watched: ${rssMb.toFixed(0)} MB\n`,
  );
  await connection.close();
  await controller.stop();
  await worker.shutdown();
  await stack?.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
