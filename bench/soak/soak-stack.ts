/** The soak's own servers and node (never the test run's: it restarts them) and the harness's clients to them. */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { joinKubeNode, type KubeNode } from '../../src/infra/kube-node';
import { startLocalStack, type LocalStack } from '../../src/infra/local-stack';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { waitUntil } from '../../src/infra/wait';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';

export interface SoakStack {
  local: LocalStack;
  kube: KubeClients;
  clusters: MpdClusterClient;
  temporal: Client;
  /** The stack's Ready nodes. */
  nodes: string[];
  /** What the controller and worker processes need to reach the servers. */
  env: NodeJS.ProcessEnv;
  restartApiserver(downtimeMs: number): Promise<void>;
  restartTemporal(downtimeMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Nodes beyond the stack's own, joined to its API server (its scheduler and controllers serve them). */
async function startExtraNodes(local: LocalStack, dataDir: string, count: number): Promise<KubeNode[]> {
  const nodes: KubeNode[] = [];
  for (let i = 2; i < count + 2; i++) {
    nodes.push(
      await joinKubeNode({ adminKubeconfig: local.kube.kubeconfigPath, server: local.kube.server, nodeName: `mpdflow-node-${i}`, dataDir: join(dataDir, 'servers', `node-${i}`) }),
    );
  }
  return nodes;
}

export async function startSoakStack(dataDir: string, namespace: string, log: Logger, nodeCount = 1): Promise<SoakStack> {
  const local = await startLocalStack({ dataDir: join(dataDir, 'servers'), webUi: false });
  const extraNodes = await startExtraNodes(local, dataDir, nodeCount - 1);
  const kube = kubeClients(loadKubeConfig(local.kube.kubeconfigPath));
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  // Pods are refused until the namespace's default ServiceAccount exists (the controller manager makes it).
  await waitUntil(async () => Boolean(await kube.core.readNamespacedServiceAccount({ namespace, name: 'default' })), {
    timeoutMs: 30_000,
    describe: () => `no default ServiceAccount in ${namespace}`,
  });
  const ready = (node: { status?: { conditions?: Array<{ type: string; status: string }> } }) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  await waitUntil(async () => (await kube.core.listNode()).items.filter(ready).length >= nodeCount, {
    timeoutMs: 120_000,
    describe: () => `fewer than ${nodeCount} Ready nodes`,
  });
  const nodes = (await kube.core.listNode()).items.map((n) => n.metadata!.name!);
  log.info({ nodes }, 'soak stack up');
  const connection = await Connection.connect({ ...closeSafeInterceptors(), address: local.temporal.address });
  const temporal = new Client({ connection, namespace: local.temporal.namespace });
  return {
    local,
    kube,
    clusters: new MpdClusterClient(kube),
    temporal,
    nodes,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: local.temporal.address,
      TEMPORAL_NAMESPACE: local.temporal.namespace,
      KUBECONFIG: local.kube.kubeconfigPath,
      MPDFLOW_LOG_LEVEL: process.env.MPDFLOW_LOG_LEVEL ?? 'info',
    },
    // The node's kubelet, scheduler and controller manager reconnect by themselves, as on any cluster.
    restartApiserver: (downtimeMs) => local.kube.restartApiserver(downtimeMs),
    restartTemporal: (downtimeMs) => local.temporal.restart(downtimeMs),
    async stop() {
      await connection.close().catch(() => undefined);
      for (const node of extraNodes) await node.stop();
      await local.stop();
    },
  };
}
