/** What a test needs from the harness's servers: clients, its own namespace and its own task queue. */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client';
import { waitUntil } from '../../src/infra/wait';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\` (test/run.ts starts the servers)`);
  return value;
}

export const temporalAddress = () => required('TEMPORAL_ADDRESS');
export const temporalNamespace = () => required('TEMPORAL_NAMESPACE');

let cachedKube: KubeClients | undefined;
export function kube(): KubeClients {
  cachedKube ??= kubeClients(loadKubeConfig(required('KUBECONFIG')));
  return cachedKube;
}

/** A short random suffix: names stay unique across tests and reruns. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/**
 * A fresh Kubernetes namespace for one test, once its `default` ServiceAccount exists: the controller manager
 * makes it, and until then the API server refuses every pod in the namespace, as on any cluster.
 */
export async function testNamespace(label: string): Promise<string> {
  const name = `t-${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${uniqueSuffix()}`;
  await kube().core.createNamespace({ body: { metadata: { name, labels: { 'mpdflow.test': 'true' } } } });
  await waitUntil(async () => Boolean(await kube().core.readNamespacedServiceAccount({ namespace: name, name: 'default' })), {
    timeoutMs: 30_000,
    describe: () => `no default ServiceAccount in ${name}: is kube-controller-manager running?`,
  });
  return name;
}

/**
 * Ends a test namespace once its operator is stopped: its clusters' finalizers go (no operator will release them)
 * and the namespace is deleted, so the engines it ran stop instead of loading the node for the rest of the run.
 */
export async function releaseTestNamespace(name: string): Promise<void> {
  const clusters = new MpdClusterClient(kube());
  for (const cluster of (await clusters.list(name)).items) {
    await clusters.patch({ namespace: name, name: cluster.metadata.name! }, { metadata: { finalizers: null } }).catch(() => undefined);
  }
  await kube().core.deleteNamespace({ name });
}

/** A fresh Temporal task queue for one test, so workers of different tests never steal each other's tasks. */
export function testTaskQueue(label: string): string {
  return `test-${label}-${uniqueSuffix()}`;
}

export async function temporalClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ ...closeSafeInterceptors(), address: temporalAddress() });
  return { client: new Client({ connection, namespace: temporalNamespace() }), close: () => connection.close() };
}
