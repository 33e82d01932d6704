/**
 * Per-step overhead of an mpdflow flow against a hand-written workflow, on the same Temporal server, same run.
 *   node --import tsx bench/flow-overhead.ts [runs]
 * Uses TEMPORAL_ADDRESS/KUBECONFIG when set, else starts the local servers.
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { localStackUnlessConfigured } from '../src/infra/local-stack';
import { configFromEnv } from '../src/config';
import { startWorker } from '../src/worker/run-worker';
import { loadOperator } from '../src/operator-api/load-operator';
import { startFlow } from '../src/temporal/flow-client';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { meanTiming, runTiming, timingTable, type RunTiming } from './history-timing';

const runs = Number(process.argv[2] ?? 20);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const stack = await localStackUnlessConfigured({ dataDir: mkdtempSync(join(tmpdir(), 'mpdflow-bench-')), webUi: false });
  const config = configFromEnv();
  const taskQueue = `bench-${Date.now()}`;
  config.temporal.taskQueue = taskQueue;
  const connection = await Connection.connect({ address: config.temporal.address! });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const ns = `bench-${Date.now()}`;
  await kube.core.createNamespace({ body: { metadata: { name: ns } } });
  const clusters = new MpdClusterClient(kube);

  const flowsDir = here('./flows');
  const stepsModule = here('./noop-steps.ts');
  const operator = await loadOperator(stepsModule, { flowsDir });
  const engineWorker = await startWorker({ config, operator });
  const { flows } = operator;
  const flow = flows.get('BenchNoop10')!;
  const baselineConnection = await NativeConnection.connect({ address: config.temporal.address! });
  const baselineQueue = `${taskQueue}-baseline`;
  const baselineWorker = await Worker.create({
    connection: baselineConnection,
    namespace: config.temporal.namespace,
    taskQueue: baselineQueue,
    workflowsPath: here('./baseline-workflows.ts'),
    activities: { noop: async () => undefined },
    maxHeartbeatThrottleInterval: '1s',
  });
  const baselineRun = baselineWorker.run();

  const engineMs: number[] = [];
  const baselineMs: number[] = [];
  const engineT: RunTiming[] = [];
  const baseT: RunTiming[] = [];
  // Interleaved, so both see the same server load; the first of each is a warm-up.
  for (let i = 0; i <= runs; i++) {
    const name = `bench-${i}`;
    await clusters.create({ metadata: { namespace: ns, name }, spec: { dbClusterType: 'share', followerNum: 0 } });
    let t = performance.now();
    await (await startFlow(client, taskQueue, { flow, resource: { resourceType: 'MPDCluster', namespace: ns, name }, state: 'Bench' })).result();
    if (i > 0) engineMs.push(performance.now() - t);
    t = performance.now();
    await client.workflow.execute('tenActivities', { taskQueue: baselineQueue, workflowId: `${baselineQueue}-${i}` });
    if (i > 0) baselineMs.push(performance.now() - t);
    if (i > 0) {
      engineT.push(await runTiming(client, `MPDCluster/${ns}/${name}`));
      baseT.push(await runTiming(client, `${baselineQueue}-${i}`));
    }
  }
  process.stdout.write(timingTable({ mpdflow: meanTiming(engineT), baseline: meanTiming(baseT) }) + '\n');
  const e = median(engineMs);
  const b = median(baselineMs);
  process.stdout.write(
    `runs=${runs}\n` +
      `mpdflow BenchNoop10 (10 no-op steps, status + events on an MPDCluster): median ${e.toFixed(0)} ms, ${(e / 10).toFixed(1)} ms/step\n` +
      `hand-written workflow, 10 no-op activities:                         median ${b.toFixed(0)} ms, ${(b / 10).toFixed(1)} ms/step\n` +
      `ratio mpdflow / hand-written: ${(e / b).toFixed(2)}\n`,
  );
  baselineWorker.shutdown();
  await baselineRun;
  await engineWorker.shutdown();
  await connection.close();
  await stack?.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
