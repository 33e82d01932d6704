import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import { localStackUnlessConfigured } from '../infra/local-stack';
import { devDataDir } from '../infra/paths';
import { say } from '../infra/log';
import { sleep } from '../infra/wait';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { startFlow, flowProgress } from '../temporal/flow-client';
import { temporalTls } from '../temporal/connection';
import { loadFlowSetup } from '../worker/flow-setup';
import { startWorker } from '../worker/run-worker';
import type { ResourceRef } from '../contract/flow-run';
import { stopOnSignal } from './signals';

const demoFlows = fileURLToPath(new URL('../demo/flows', import.meta.url));
const demoSteps = fileURLToPath(new URL('../demo/steps.ts', import.meta.url));

/**
 * `mpdflow demo` (npm run demo): the local servers (or TEMPORAL_ADDRESS/KUBECONFIG when set), a worker, and a sample
 * MPDCluster driven through its create flow, a line per step. Not on a terminal it exits when done; on one it waits for Ctrl-C.
 */
export async function demoCommand(): Promise<void> {
  const dataDir = join(devDataDir(), '..', 'demo');
  mkdirSync(dataDir, { recursive: true });
  const stack = await localStackUnlessConfigured({ dataDir, webUi: true });
  const config = configFromEnv();
  config.temporal.taskQueue = `demo-${Date.now()}`;
  const worker = await startWorker({ config, flowsDir: demoFlows, stepModules: [demoSteps] });
  const connection = await Connection.connect({ address: config.temporal.address!, tls: temporalTls(config.temporal) });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const clusters = new MpdClusterClient(kubeClients(loadKubeConfig(config.kubeconfig)));
    const namespace = 'default';
    const name = `demo-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}`;
    const ref: ResourceRef = { resourceType: 'MPDCluster', namespace, name };
    await clusters.create({
      metadata: { namespace, name },
      spec: { operatorName: 'polar-mpd', dbClusterType: 'share', followerNum: 1, classInfo: { className: 'polar.o.x4.medium', cpu: '2', memory: '8Gi' } },
    });
    await clusters.patchStatus(ref, { clusterStatus: 'Init' });
    say(`created MPDCluster ${namespace}/${name} (Init)`);
    await clusters.patchStatus(ref, { clusterStatus: 'Creating' });
    say('Init -> Creating');
    const { flows } = await loadFlowSetup({ flowsDir: demoFlows, stepModules: [demoSteps] });
    const handle = await startFlow(client, config.temporal.taskQueue, { flow: flows.get('DemoCreateCluster')!, resource: ref, state: 'Creating' });
    const printed = new Set<string>();
    const result = handle.result();
    for (let done = false; !done; ) {
      done = await Promise.race([result.then(() => true), sleep(250).then(() => false)]);
      const progress = await flowProgress(client, ref);
      progress.steps.forEach((step, i) => {
        if (step.outcome === 'completed' && !printed.has(step.stepName)) {
          printed.add(step.stepName);
          say(`  step ${i + 1}/${progress.total} ${step.stepName.padEnd(22)} ${String(step.durationMs).padStart(5)} ms`);
        }
      });
    }
    await result;
    const state = (await clusters.get(ref)).status?.clusterStatus;
    say(`Creating -> ${state}`);
    if (state !== 'Running') throw new Error(`the demo cluster ended in ${state}, expected Running`);
    if (config.temporal.webUiUrl) say(`Web UI: ${config.temporal.webUiUrl}/namespaces/${config.temporal.namespace}/workflows`);
    say(`kubectl: KUBECONFIG=${config.kubeconfig} kubectl get mpdclusters -A; kubectl describe mpdcluster -n ${namespace} ${name}`);
  } finally {
    await connection.close();
    await worker.shutdown();
  }
  if (process.stdout.isTTY) {
    say('demo done; the servers keep running for a look around. Press Ctrl-C to stop them.');
    await stopOnSignal(async () => stack?.stop());
  } else {
    await stack?.stop();
  }
}
