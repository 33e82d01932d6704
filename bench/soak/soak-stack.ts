/** The soak's own servers (never the test run's: it restarts them) and the harness's clients to them. */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { startKubeletStandIn, type KubeletStandIn } from '../../src/dev/kubelet-stand-in';
import { startLocalStack, type LocalStack } from '../../src/infra/local-stack';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';

export interface SoakStack {
  local: LocalStack;
  kube: KubeClients;
  clusters: MpdClusterClient;
  temporal: Client;
  /** What the controller and worker processes need to reach the servers. */
  env: NodeJS.ProcessEnv;
  restartApiserver(downtimeMs: number): Promise<void>;
  restartTemporal(downtimeMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSoakStack(dataDir: string, namespace: string, log: Logger): Promise<SoakStack> {
  const local = await startLocalStack({ dataDir: join(dataDir, 'servers'), webUi: false });
  const kube = kubeClients(loadKubeConfig(local.kube.kubeconfigPath));
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  const connection = await Connection.connect({ address: local.temporal.address });
  const temporal = new Client({ connection, namespace: local.temporal.namespace });
  const standInLog = log.child({ component: 'kubelet-stand-in' });
  let kubelet: KubeletStandIn | undefined = await startKubeletStandIn(kube, standInLog);
  return {
    local,
    kube,
    clusters: new MpdClusterClient(kube),
    temporal,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: local.temporal.address,
      TEMPORAL_NAMESPACE: local.temporal.namespace,
      KUBECONFIG: local.kube.kubeconfigPath,
      MPDFLOW_LOG_LEVEL: process.env.MPDFLOW_LOG_LEVEL ?? 'info',
    },
    async restartApiserver(downtimeMs) {
      // The stand-in gives up re-watching when a relist fails, so it is stopped first and started again after.
      kubelet?.stop();
      kubelet = undefined;
      await local.kube.restartApiserver(downtimeMs);
      kubelet = await startKubeletStandIn(kube, standInLog);
    },
    restartTemporal: (downtimeMs) => local.temporal.restart(downtimeMs),
    async stop() {
      kubelet?.stop();
      await connection.close().catch(() => undefined);
      await local.stop();
    },
  };
}
