import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeCerts } from './kube-certs';
import { ensureKubeCerts, ensureSignedCert } from './kube-certs';
import { kubeNodeBinaries } from './kube-binaries';
import { writeClientKubeconfig } from './kubeconfig-file';
import { freePorts } from './free-port';
import { nodeIdentity, type NodeIdentity } from './node-identity';
import { nodeRuntime, localImageArchives, type NodeRuntime } from './node-runtime';
import { NodeNamespace } from './node-namespace';
import { cgroupDirs, cleanupDeadNodes, cleanupNode, stackRunDir } from './node-cleanup';
import { startContainerd, type Containerd } from './containerd';
import { startKubelet } from './kubelet';
import { startKubeControllerManager, startKubeScheduler } from './kube-controllers';
import { LocalVolumeProvisioner, localStorageClass } from './local-volumes';
import { localImages } from './local-images';
import type { SupervisedProcess } from './supervised-process';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { waitUntil } from './wait';
import { say } from './log';

export interface KubeNodeOptions {
  /** containerd's and the kubelet's state, the node's certificates and kubeconfigs, logs, volumes. */
  dataDir: string;
  /** The control plane this node joins (started withNode). */
  server: string;
  certs: KubeCerts;
  adminKubeconfig: string;
  /** Default mpdflow-node-1; a second node of one cluster needs another name (and its own dataDir). */
  nodeName?: string;
  /**
   * Also the cluster's kube-scheduler, kube-controller-manager and volume provisioner (default true). A second node
   * joining a cluster that has them already starts only containerd and its kubelet.
   */
  controllers?: boolean;
}

export interface KubeNode {
  nodeName: string;
  identity: NodeIdentity;
  runtime: NodeRuntime;
  storageClass: string;
  images: typeof localImages;
  containerd: Containerd;
  kubelet: SupervisedProcess;
  /** Absent on a node started without the controllers. */
  scheduler?: SupervisedProcess;
  controllerManager?: SupervisedProcess;
  startupMs: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A real node for the local control plane: kube-scheduler and kube-controller-manager, and a kubelet on containerd
 * + runc + the CNI bridge inside the node's own namespaces, with the local images imported and a StorageClass
 * whose claims bind. Everything it leaves outside (bridge, cgroups, sockets) is removed at stop, and by the next
 * start after a runner was killed.
 */
export async function startKubeNode(options: KubeNodeOptions): Promise<KubeNode> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = Date.now() - started;
    }
  };
  const runtime = await timed('install', () => nodeRuntime());
  const [binaries, archives] = await timed('build', () => Promise.all([kubeNodeBinaries(), localImageArchives()]));
  const leftovers = await cleanupDeadNodes();
  if (leftovers.length) say(`cleaned up after a killed run: ${leftovers.join(', ')}`);

  mkdirSync(options.dataDir, { recursive: true });
  const identity = nodeIdentity(options.dataDir, options.nodeName);
  const withControllers = options.controllers ?? true;
  const pki = join(options.certs.caCert, '..');
  const client = (name: string, subject: string) => ensureSignedCert(pki, name, subject, 'extendedKeyUsage=clientAuth\n');
  const kubeconfig = (name: string, user: string, cert: { cert: string; key: string }) =>
    writeClientKubeconfig(join(options.dataDir, `${name}.kubeconfig`), { server: options.server, caCert: options.certs.caCert, ...cert, user });
  const nodeUser = `system:node:${identity.nodeName}`;
  const nodeKubeconfig = kubeconfig('kubelet', nodeUser, client(`node-${identity.nodeName}`, `/O=system:nodes/CN=${nodeUser}`));
  const serving = ensureSignedCert(pki, `kubelet-serving-${identity.nodeName}`, `/CN=${identity.nodeName}`,
    `subjectAltName=IP:${identity.nodeIp},DNS:${identity.nodeName}\nextendedKeyUsage=serverAuth\n`);
  const schedulerKubeconfig = kubeconfig('kube-scheduler', 'system:kube-scheduler', client('kube-scheduler', '/CN=system:kube-scheduler'));
  const cmKubeconfig = kubeconfig('kube-controller-manager', 'system:kube-controller-manager', client('kube-controller-manager', '/CN=system:kube-controller-manager'));
  const [kubeletPort, healthzPort, schedulerPort, cmPort] = (await freePorts(4)) as [number, number, number, number];

  const started: { stop(): Promise<void> }[] = [];
  const startControllers = () => ({
    scheduler: startKubeScheduler({ dataDir: options.dataDir, binary: binaries.kubeScheduler, kubeconfig: schedulerKubeconfig, port: schedulerPort }),
    controllerManager: startKubeControllerManager({
      dataDir: options.dataDir,
      binary: binaries.kubeControllerManager,
      kubeconfig: cmKubeconfig,
      port: cmPort,
      caCert: options.certs.caCert,
      serviceAccountKey: options.certs.serviceAccountKey,
    }),
  });
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    await cleanupNode(identity.stackId);
  };
  try {
    const { scheduler, controllerManager } = withControllers ? startControllers() : {};
    if (scheduler && controllerManager) started.push(scheduler, controllerManager);

    say(`starting the node ${identity.nodeName} (${identity.nodeIp}; pods ${identity.podCidr} on bridge ${identity.bridge})`);
    const namespace = await timed('namespace', () => NodeNamespace.start({ dataDir: options.dataDir, stackId: identity.stackId }));
    started.push(namespace);
    for (const dir of cgroupDirs(identity.cgroupRoot)) mkdirSync(dir, { recursive: true });
    const containerd = await timed('containerd', () =>
      startContainerd({ dataDir: options.dataDir, socketDir: stackRunDir(identity.stackId), runtime, identity, namespace, sandboxImage: localImages.pause }),
    );
    started.push(containerd);
    await timed('images', () => containerd.importImages(archives));

    const kubelet = startKubelet({
      dataDir: options.dataDir,
      binary: binaries.kubelet,
      namespace,
      identity,
      kubeconfig: nodeKubeconfig,
      caCert: options.certs.caCert,
      servingCert: serving.cert,
      servingKey: serving.key,
      containerdEndpoint: containerd.endpoint,
      port: kubeletPort,
      healthzPort,
    });
    started.splice(started.indexOf(containerd) + 1, 0, kubelet);

    const admin = kubeClients(loadKubeConfig(options.adminKubeconfig));
    if (withControllers) {
      const volumes = new LocalVolumeProvisioner(admin, join(options.dataDir, 'volumes'));
      await volumes.installStorageClass();
      volumes.start();
      started.push(volumes);
    }

    const watched = [scheduler, controllerManager, containerd.process, kubelet].filter((p): p is SupervisedProcess => p !== undefined);
    await timed('nodeReady', () =>
      waitUntil(
        async () => {
          const node = await admin.core.readNode({ name: identity.nodeName });
          return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
        },
        {
          timeoutMs: 120_000,
          intervalMs: 250,
          describe: () => `node ${identity.nodeName} not Ready; kubelet log: ${kubelet.logFile}\n${kubelet.logTail(15)}`,
          abortIf: () => watched.find((p) => p.hasExited)?.describeExit() ?? (namespace.hasExited ? namespace.describeExit() : undefined),
        },
      ),
    );
    // Pods need their namespace's default ServiceAccount: wait until the controller manager makes them.
    if (controllerManager) {
      await timed('serviceAccounts', () =>
        waitUntil(async () => (await admin.core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) !== undefined, {
          timeoutMs: 60_000,
          describe: () => `no default ServiceAccount: ${controllerManager.logTail(10)}`,
          abortIf: () => (controllerManager.hasExited ? controllerManager.describeExit() : undefined),
        }),
      );
    }
    return {
      nodeName: identity.nodeName,
      identity,
      runtime,
      storageClass: localStorageClass,
      images: localImages,
      containerd,
      kubelet,
      scheduler,
      controllerManager,
      startupMs: timings,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Another node joining a running stack's control plane (its scheduler and controllers serve it): its own containerd
 * and kubelet, certificates signed by the stack's CA, which the stack keeps beside its admin kubeconfig.
 */
export function joinKubeNode(options: { adminKubeconfig: string; server: string; nodeName: string; dataDir: string }): Promise<KubeNode> {
  return startKubeNode({ ...options, certs: ensureKubeCerts(join(dirname(options.adminKubeconfig), 'pki')), controllers: false });
}
