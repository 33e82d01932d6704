/**
 * Pod create → Ready on the local real node: engine pods exactly as the operator makes them (activities/shared/
 * engine-pod.ts: PostgreSQL on the shared claim, Ready by pg_isready), one at a time, then a batch created at once.
 * Prints p50/p99 of each, and the node's start-up phases when it started one.
 *   node --import tsx bench/pod-ready.ts [pods]
 * Uses KUBECONFIG when it names a cluster with a node, else starts etcd + kube-apiserver + a node here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { kubeClients, loadKubeConfig, type KubeClients } from '../src/kube/client';
import { startKubeControlPlane } from '../src/infra/kube-control-plane';
import { startKubeNode } from '../src/infra/kube-node';
import { isReady } from '../test/helpers/real-node';
import { enginePod as operatorEnginePod } from '../activities/shared/engine-pod';
import type { V1Pod } from '@kubernetes/client-node';
import { sampleCluster } from '../test/fixtures/sample-cluster';
import { waitUntil } from '../src/infra/wait';

const pods = Number(process.argv[2] ?? 20);

/**
 * The operator's pod of instance `insId` of a cluster `bench` (no owner: no MPDCluster exists here to own it), its
 * engine standalone (no HA manager, no Secrets): this measures the node starting a pod, not a cluster forming.
 */
function enginePod(namespace: string, insId: string): V1Pod {
  const cluster = { apiVersion: 'mpd.polardb.aliyun.com/v1', kind: 'MPDCluster' as const, ...sampleCluster(namespace, 'bench') };
  const pod = operatorEnginePod({ ...cluster, metadata: { ...cluster.metadata, uid: 'none' } }, insId);
  pod.metadata!.ownerReferences = [];
  delete pod.spec!.serviceAccountName;
  const engine = pod.spec!.containers[0]!;
  engine.env = engine.env!.filter((e) => ['ENGINE_INSTANCE_ID', 'ENGINE_PORT', 'ENGINE_DATA_ROOT'].includes(e.name));
  engine.startupProbe = { tcpSocket: { port: 5432 }, periodSeconds: 1, failureThreshold: 240 };
  engine.readinessProbe = { tcpSocket: { port: 5432 }, periodSeconds: 5, failureThreshold: 2 };
  engine.livenessProbe = undefined;
  engine.volumeMounts = engine.volumeMounts!.filter((m) => m.name !== 'tls');
  pod.spec!.volumes = pod.spec!.volumes!.filter((v) => v.name !== 'tls');
  return pod;
}
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;

async function readyAfter(kube: KubeClients, namespace: string, name: string, created: number): Promise<number> {
  await waitUntil(async () => isReady(await kube.core.readNamespacedPod({ namespace, name })), {
    timeoutMs: 180_000,
    intervalMs: 50,
    describe: () => `${name} not Ready`,
  });
  return performance.now() - created;
}

async function main(): Promise<void> {
  let kube: KubeClients;
  let stop = async () => undefined as void;
  if (process.env.KUBECONFIG) {
    kube = kubeClients(loadKubeConfig(process.env.KUBECONFIG));
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), 'mpdflow-bench-node-'));
    const started = performance.now();
    const plane = await startKubeControlPlane({ dataDir: join(dataDir, 'kube'), withNode: true });
    const node = await startKubeNode({ dataDir: join(dataDir, 'kube', 'node'), server: plane.server, certs: plane.certs, adminKubeconfig: plane.kubeconfigPath });
    console.log(`control plane + node up in ${Math.round(performance.now() - started)} ms; node phases (ms): ${JSON.stringify(node.startupMs)}`);
    kube = kubeClients(loadKubeConfig(plane.kubeconfigPath));
    stop = async () => {
      await node.stop();
      await plane.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  try {
    const namespace = `bench-pods-${Date.now()}`;
    await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    await waitUntil(async () => Boolean(await kube.core.readNamespacedServiceAccount({ namespace, name: 'default' })), {
      timeoutMs: 30_000,
      describe: () => 'no default ServiceAccount',
    });
    await kube.core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: { metadata: { name: 'bench-share' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } },
    });
    // Each pod a new instance (its own data directory, so initdb each time), as a new cluster's would be.
    const sequential: number[] = [];
    for (let i = 0; i < pods; i++) {
      const t = performance.now();
      await kube.core.createNamespacedPod({ namespace, body: enginePod(namespace, `seq-${i}`) });
      sequential.push(await readyAfter(kube, namespace, `bench-seq-${i}`, t));
      await kube.core.deleteNamespacedPod({ namespace, name: `bench-seq-${i}` });
    }
    const t = performance.now();
    await Promise.all(Array.from({ length: pods }, (_, i) => kube.core.createNamespacedPod({ namespace, body: enginePod(namespace, `batch-${i}`) })));
    const batch = await Promise.all(Array.from({ length: pods }, (_, i) => readyAfter(kube, namespace, `bench-batch-${i}`, t)));
    const fmt = (xs: number[]) => `p50 ${Math.round(quantile(xs, 0.5))} ms, p99 ${Math.round(quantile(xs, 0.99))} ms, max ${Math.round(Math.max(...xs))} ms`;
    console.log(`engine pod create → Ready, one at a time (${pods}): ${fmt(sequential)}`);
    console.log(`engine pod create → Ready, ${pods} created at once: ${fmt(batch)}`);
    await kube.core.deleteNamespace({ name: namespace });
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
