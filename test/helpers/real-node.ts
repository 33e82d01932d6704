/**
 * A cluster with a real node for the node tests: the harness's own cluster when it already has a Ready node
 * (MPDFLOW_REAL_NODE=1), else etcd + kube-apiserver + a node started here, once per test file, stopped at its end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { Exec, type V1Pod } from '@kubernetes/client-node';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client';
import { startKubeControlPlane } from '../../src/infra/kube-control-plane';
import { startKubeNode } from '../../src/infra/kube-node';
import { localImages } from '../../src/infra/local-images';
import { waitUntil } from '../../src/infra/wait';
import { uniqueSuffix } from './stack';

export interface RealNodeCluster {
  kube: KubeClients;
  kubeconfigPath: string;
  nodeName: string;
}

/**
 * Call at the top level of a test file: the cluster starts before its tests and stops after them.
 * Returns a getter for the tests.
 */
export function useRealNodeCluster(): () => RealNodeCluster {
  let cluster: RealNodeCluster | undefined;
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    ({ cluster, stop } = await start());
  });
  after(async () => {
    await stop?.();
  });
  return () => {
    if (!cluster) throw new Error('the real-node cluster did not start');
    return cluster;
  };
}

async function start(): Promise<{ cluster: RealNodeCluster; stop?: () => Promise<void> }> {
  const harness = process.env.KUBECONFIG;
  if (harness) {
    const kube = kubeClients(loadKubeConfig(harness));
    const nodes = await kube.core.listNode({ labelSelector: 'mpdflow.local/node=true' });
    const ready = nodes.items.find((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready) return { cluster: { kube, kubeconfigPath: harness, nodeName: ready.metadata!.name! } };
  }
  const dataDir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir(), 'real-node-'));
  const plane = await startKubeControlPlane({ dataDir: join(dataDir, 'kube'), withNode: true });
  let node;
  try {
    node = await startKubeNode({ dataDir: join(dataDir, 'kube', 'node'), server: plane.server, certs: plane.certs, adminKubeconfig: plane.kubeconfigPath });
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return {
    cluster: { kube: kubeClients(loadKubeConfig(plane.kubeconfigPath)), kubeconfigPath: plane.kubeconfigPath, nodeName: node.nodeName },
    async stop() {
      await node.stop();
      await plane.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh namespace whose default ServiceAccount exists (pods are refused until the controller makes it). */
export async function nodeTestNamespace(kube: KubeClients, label: string): Promise<string> {
  const name = `n-${label}-${uniqueSuffix()}`;
  await kube.core.createNamespace({ body: { metadata: { name } } });
  await waitUntil(async () => Boolean(await kube.core.readNamespacedServiceAccount({ namespace: name, name: 'default' })), {
    timeoutMs: 30_000,
    describe: () => `no default ServiceAccount in ${name}`,
  });
  return name;
}

export const isReady = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function waitForPodReady(kube: KubeClients, namespace: string, name: string, timeoutMs = 180_000): Promise<V1Pod> {
  let pod: V1Pod | undefined;
  await waitUntil(async () => isReady((pod = await kube.core.readNamespacedPod({ namespace, name }))), {
    timeoutMs,
    intervalMs: 100,
    describe: () => `pod ${namespace}/${name} not Ready: ${JSON.stringify(pod?.status?.containerStatuses ?? pod?.status?.conditions ?? null)}`,
  });
  return pod!;
}

/** An engine pod as the operator would make one: the engine image, its port, a real readiness probe. */
export function enginePod(name: string, options: { image?: string; probePort?: number; claim?: string; instanceId?: string } = {}): V1Pod {
  return {
    metadata: { name, labels: { app: 'engine' } },
    spec: {
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'engine',
          image: options.image ?? localImages.engine,
          imagePullPolicy: 'IfNotPresent',
          env: [{ name: 'ENGINE_INSTANCE_ID', value: options.instanceId ?? name }],
          ports: [{ containerPort: 5432, name: 'engine' }],
          readinessProbe: {
            exec: { command: ['pg_isready', '-h', '127.0.0.1', '-p', String(options.probePort ?? 5432)] },
            periodSeconds: 1,
            failureThreshold: 3,
          },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
          ...(options.claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
        },
      ],
      ...(options.claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: options.claim } }] } : {}),
    },
  };
}

/** Runs a command in a pod's container through the API server and the kubelet, as kubectl exec does. */
export async function execInPod(kube: KubeClients, namespace: string, pod: string, container: string, command: string[]): Promise<string> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  await new Promise<void>((resolveExec, reject) => {
    new Exec(kube.config)
      .exec(namespace, pod, container, command, sink((s) => (out += s)), sink((s) => (err += s)), null, false, (status) => {
        if (status.status === 'Success') resolveExec();
        else reject(new Error(`${command.join(' ')} in ${namespace}/${pod}: ${status.message ?? 'failed'} ${err}`));
      })
      .catch(reject);
  });
  return out;
}
