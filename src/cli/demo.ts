import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import { startController, type RunningController } from '../controller/controller';
import { localStackUnlessConfigured } from '../infra/local-stack';
import { rootLogger, say } from '../infra/log';
import { devDataDir } from '../infra/paths';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { clientConnectionOptions } from '../temporal/connection';
import { loadOperator } from '../operator-api/load-operator';
import { mpdClusterRef } from '../kube/mpdcluster';
import { startWorker } from '../worker/run-worker';
import { stopOnSignal } from './signals';

/**
 * `mpdflow demo` (npm run demo): the local servers and node (or TEMPORAL_ADDRESS/KUBECONFIG when set), the worker
 * and the controller, then the sample scenario on real engine pods. Not on a terminal it exits when the scenario is
 * done (non-zero if anything misbehaved); on a terminal it keeps everything running until Ctrl-C.
 */
export async function demoCommand(options: { operator: string }): Promise<void> {
  const operator = await loadOperator(options.operator);
  const demo = operator.demo;
  if (!demo) throw new Error(`operator ${operator.name} has no demo scenario`);
  // The demo speaks in step lines; JSON logs only for what goes wrong (MPDFLOW_LOG_LEVEL overrides).
  if (!process.env.MPDFLOW_LOG_LEVEL) rootLogger.level = 'warn';
  const dataDir = join(devDataDir(), '..', 'demo');
  mkdirSync(dataDir, { recursive: true });
  const stack = await localStackUnlessConfigured({ dataDir, webUi: true });
  const config = configFromEnv();
  config.temporal.taskQueue = `demo-${Date.now()}`;
  const log = rootLogger.child({ component: 'demo' });
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const worker = await startWorker({ config, operator });
  const connection = await Connection.connect(clientConnectionOptions(config.temporal));
  const namespace = 'default';
  const name = `demo-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}`;
  let controller: RunningController | undefined;
  try {
    await demo({
      temporal: new Client({ connection, namespace: config.temporal.namespace }),
      clusters: new MpdClusterClient(kube),
      kube,
      resource: mpdClusterRef(namespace, name),
      startController: async () => {
        controller = await startController({ config, operator, namespaces: [namespace], leaderElection: false, log });
      },
    });
    if (config.temporal.webUiUrl) say(`Web UI: ${config.temporal.webUiUrl}/namespaces/${config.temporal.namespace}/workflows?query=MpdCluster%3D%22${name}%22`);
    say(`look around: export KUBECONFIG=${config.kubeconfig}`);
    say(`  kubectl get mpdclusters -A; kubectl describe mpdcluster ${name}; kubectl get pods,svc,pvc,deploy,cm -l mpd.polardb.aliyun.com/cluster=${name}`);
    say(`  node bin/mpdflow.js status ${namespace}/${name}`);
    if (process.stdout.isTTY) {
      say('demo done; everything keeps running for a look around. Press Ctrl-C to stop.');
      await stopOnSignal(async () => undefined);
    }
  } finally {
    await controller?.stop();
    await connection.close();
    await worker.shutdown();
    await stack?.stop();
  }
}
