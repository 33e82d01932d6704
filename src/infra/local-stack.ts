import { join } from 'node:path';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server';
import { startKubeControlPlane, type KubeControlPlane } from './kube-control-plane';
import { startKubeNode, type KubeNode } from './kube-node';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { installEngineRole, installMpdClusterCrd } from './crd-install';
import { defaultTemporalNamespace } from '../config';

export interface LocalStackOptions {
  dataDir: string;
  webUi: boolean;
  temporalNamespace?: string;
  /**
   * The real node: kube-scheduler, kube-controller-manager and a kubelet on containerd (see kube-node.ts), so pods
   * run. Default true; false (said explicitly, by code that creates no pods) gives etcd + kube-apiserver only.
   */
  node?: boolean;
}

export interface LocalStack {
  temporal: TemporalDevServer;
  kube: KubeControlPlane;
  /** The node, when the stack was started with one. */
  node?: KubeNode;
  stop(): Promise<void>;
}

/** A real Temporal dev server and a real single-node Kubernetes (etcd, kube-apiserver, the node), with the MPDCluster CRD installed. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const withNode = options.node ?? true;
  const [temporal, kube] = await Promise.allSettled([
    startTemporalDevServer({ dataDir: join(options.dataDir, 'temporal'), namespace: options.temporalNamespace ?? defaultTemporalNamespace, webUi: options.webUi }),
    startKubeControlPlane({ dataDir: join(options.dataDir, 'kube'), withNode }),
  ]);
  if (temporal.status === 'rejected' || kube.status === 'rejected') {
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    if (kube.status === 'fulfilled') await kube.value.stop();
    throw temporal.status === 'rejected' ? temporal.reason : (kube as PromiseRejectedResult).reason;
  }
  let node: KubeNode | undefined;
  try {
    if (withNode) {
      node = await startKubeNode({
        dataDir: join(options.dataDir, 'kube', 'node'),
        server: kube.value.server,
        certs: kube.value.certs,
        adminKubeconfig: kube.value.kubeconfigPath,
      });
    }
    const admin = kubeClients(loadKubeConfig(kube.value.kubeconfigPath));
    await installMpdClusterCrd(admin);
    await installEngineRole(admin);
  } catch (error) {
    await node?.stop();
    await Promise.all([temporal.value.stop(), kube.value.stop()]);
    throw error;
  }
  return {
    temporal: temporal.value,
    kube: kube.value,
    node,
    async stop() {
      // The node first: its kubelet and controllers would only complain about a vanished API server.
      await node?.stop();
      await Promise.all([temporal.value.stop(), kube.value.stop()]);
    },
  };
}

/**
 * The local servers, unless TEMPORAL_ADDRESS and KUBECONFIG already point somewhere: then nothing is started.
 * Either way the environment names the servers afterwards (for configFromEnv and child processes).
 */
export async function localStackUnlessConfigured(options: LocalStackOptions): Promise<LocalStack | undefined> {
  if (process.env.TEMPORAL_ADDRESS && process.env.KUBECONFIG) return undefined;
  const stack = await startLocalStack(options);
  process.env.TEMPORAL_ADDRESS = stack.temporal.address;
  process.env.TEMPORAL_NAMESPACE = stack.temporal.namespace;
  process.env.KUBECONFIG = stack.kube.kubeconfigPath;
  process.env.MPDFLOW_ETCD_URL = stack.kube.etcdUrl;
  if (stack.temporal.webUiUrl) process.env.TEMPORAL_WEB_UI_URL = stack.temporal.webUiUrl;
  return stack;
}
