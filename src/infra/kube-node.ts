import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeCerts } from './kube-certs';
import { ensureKubeCerts, ensureSignedCert } from './kube-certs';
import { kubeNodeBinaries } from './kube-binaries';
import { writeClientKubeconfig } from './kubeconfig-file';
import { freePorts } from './free-port';
import { hostAddress, nodeIdentity, type NodeIdentity } from './node-identity';
import { nodeRuntime, localImageArchives, type NodeRuntime } from './node-runtime';
import { NodeNamespace } from './node-namespace';
import { cgroupDirs, cleanupDeadNodes, cleanupNode, stackRunDir } from './node-cleanup';
import { startContainerd, type Containerd } from './containerd';
import { startKubelet } from './kubelet';
import { startKubeProxy } from './kube-proxy';
import { linkNodeToHost } from './node-link';
import { serviceNetworkOf, type ServiceNetwork } from './service-network';
import { startKubeControllerManager, startKubeScheduler } from './kube-controllers';
import { LocalVolumeProvisioner, localStorageClass } from './local-volumes';
import { localImages } from './local-images';
import { installClusterDns } from './cluster-dns';
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
  kubeProxy: SupervisedProcess;
  /** The stack's Service addresses; the host routes the ClusterIP range through the stack's first node. */
  network: ServiceNetwork;
  /** Absent on a node started without the controllers. */
  scheduler?: SupervisedProcess;
  controllerManager?: SupervisedProcess;
  startupMs: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A real node for the local control plane: kube-scheduler and kube-controller-manager, and a kubelet on containerd
 * + runc + the CNI bridge and kube-proxy inside the node's own namespaces (network included, linked to the host by
 * node-link.ts), with the local images imported and a StorageClass whose claims bind. Everything it leaves outside
 * (cgroups, sockets) is removed at stop, and by the next start after a runner was killed.
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
  const network = serviceNetworkOf(dirname(options.adminKubeconfig));
  const withControllers = options.controllers ?? true;
  const pki = join(options.certs.caCert, '..');
  const client = (name: string, subject: string) => ensureSignedCert(pki, name, subject, 'extendedKeyUsage=clientAuth\n');
  const kubeconfig = (name: string, user: string, cert: { cert: string; key: string }, server = options.server) =>
    writeClientKubeconfig(join(options.dataDir, `${name}.kubeconfig`), { server, caCert: options.certs.caCert, ...cert, user });
  // Inside the node's network namespace loopback is the node's own: its kubelet and kube-proxy dial the host's address.
  const fromNode = new URL(options.server);
  if (['127.0.0.1', 'localhost'].includes(fromNode.hostname)) fromNode.hostname = hostAddress();
  const nodeServer = fromNode.origin;
  const nodeUser = `system:node:${identity.nodeName}`;
  const nodeKubeconfig = kubeconfig('kubelet', nodeUser, client(`node-${identity.nodeName}`, `/O=system:nodes/CN=${nodeUser}`), nodeServer);
  const proxyKubeconfig = kubeconfig('kube-proxy', 'system:kube-proxy', client('kube-proxy', '/CN=system:kube-proxy'), nodeServer);
  const serving = ensureSignedCert(pki, `kubelet-serving-${identity.nodeName}-${identity.nodeIp}`, `/CN=${identity.nodeName}`,
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

    say(`starting the node ${identity.nodeName} (${identity.nodeIp} on ${identity.hostVeth}; pods ${identity.podCidr}; Services ${network.serviceCidr})`);
    const namespace = await timed('namespace', () => NodeNamespace.start({ dataDir: options.dataDir, stackId: identity.stackId }));
    started.push(namespace);
    // The stack's first node (the one with the controllers) carries the host's route to the ClusterIPs.
    await timed('link', () => linkNodeToHost(identity, namespace, withControllers ? network.serviceCidr : undefined));
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
      clusterDns: { ip: network.dnsServiceIp, domain: network.clusterDomain },
      kubeconfig: nodeKubeconfig,
      caCert: options.certs.caCert,
      servingCert: serving.cert,
      servingKey: serving.key,
      containerdEndpoint: containerd.endpoint,
      port: kubeletPort,
      healthzPort,
    });
    started.splice(started.indexOf(containerd) + 1, 0, kubelet);
    const kubeProxy = startKubeProxy({ dataDir: options.dataDir, binary: binaries.kubeProxy, namespace, identity, kubeconfig: proxyKubeconfig, nftDir: dirname(runtime.nft) });
    started.splice(started.indexOf(kubelet) + 1, 0, kubeProxy);

    const admin = kubeClients(loadKubeConfig(options.adminKubeconfig));
    if (withControllers) {
      const volumes = new LocalVolumeProvisioner(admin, join(options.dataDir, 'volumes'));
      await volumes.installStorageClass();
      volumes.start();
      started.push(volumes);
    }

    const watched = [scheduler, controllerManager, containerd.process, kubelet, kubeProxy].filter((p): p is SupervisedProcess => p !== undefined);
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
      // CoreDNS reaches the API server through the `kubernetes` Service: its readiness proves kube-proxy works too.
      await timed('clusterDns', () => installClusterDns(admin, network));
    }
    return {
      nodeName: identity.nodeName,
      identity,
      runtime,
      storageClass: localStorageClass,
      images: localImages,
      containerd,
      kubelet,
      kubeProxy,
      network,
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
