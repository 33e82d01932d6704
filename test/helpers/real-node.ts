/** The harness's cluster and its Ready local node (test/run.ts starts one for every run). */
import { Writable } from 'node:stream';
import { before } from 'node:test';
import { Exec, type V1Pod } from '@kubernetes/client-node';
import { kubeClients, loadKubeConfig, type KubeClients } from '../../src/kube/client';
import { localImages } from '../../src/infra/local-images';
import { waitUntil } from '../../src/infra/wait';
import { uniqueSuffix } from './stack';

export interface RealNodeCluster {
  kube: KubeClients;
  kubeconfigPath: string;
  nodeName: string;
}

/** Call at the top level of a test file: finds the harness's node before its tests. Returns a getter for them. */
export function useRealNodeCluster(): () => RealNodeCluster {
  let cluster: RealNodeCluster | undefined;
  before(async () => {
    cluster = await harnessCluster();
  });
  return () => {
    if (!cluster) throw new Error('the harness has no Ready node');
    return cluster;
  };
}

async function harnessCluster(): Promise<RealNodeCluster> {
  const kubeconfigPath = process.env.KUBECONFIG;
  if (!kubeconfigPath) throw new Error('KUBECONFIG is not set: run the tests through `npm test` (test/run.ts starts the servers and the node)');
  const kube = kubeClients(loadKubeConfig(kubeconfigPath));
  const nodes = await kube.core.listNode({ labelSelector: 'mpdflow.local/node=true' });
  const ready = nodes.items.find((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!ready) throw new Error(`the cluster of ${kubeconfigPath} has no Ready local node`);
  return { kube, kubeconfigPath, nodeName: ready.metadata!.name! };
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
