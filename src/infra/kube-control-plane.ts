import { request } from 'node:https';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';
import { freePorts } from './free-port';
import { kubeBinaries } from './kube-binaries';
import { ensureApiserverServingCert, ensureKubeCerts, ensureSignedCert, type KubeCerts } from './kube-certs';
import { serviceNetworkOf, type ServiceNetwork } from './service-network';
import { hostAddress } from './node-identity';
import { waitUntil } from './wait';
import { say } from './log';
import { pinKubernetesServiceEndpoints } from './kubernetes-service-endpoints';

export interface KubeControlPlaneOptions {
  /** etcd data, certificates, logs and the kubeconfig live here; reusing it keeps Kubernetes objects. */
  dataDir: string;
  /**
   * Serve a real node too: Node + RBAC authorization, NodeRestriction and ServiceAccount admission, and a client
   * certificate for the API server's calls to kubelets (logs, exec). Without it: RBAC only, no ServiceAccount
   * admission (nothing would create the default ServiceAccounts).
   */
  withNode?: boolean;
}

export interface KubeControlPlane {
  server: string;
  kubeconfigPath: string;
  /** The certificates (the CA's key is beside them in the same directory). */
  certs: KubeCerts;
  /** The stack's ClusterIP range, the `kubernetes` and `kube-dns` Service IPs (routed from the host once a node runs). */
  network: ServiceNetwork;
  etcd: SupervisedProcess;
  /** etcd's client URL (plain HTTP on loopback): the benchmarks read its revision to count writes. */
  etcdUrl: string;
  apiserver: SupervisedProcess;
  startupMs: { etcd: number; apiserver: number };
  stop(): Promise<void>;
  /** Stops only the API server and starts it again on the same port and etcd (for restart tests). */
  restartApiserver(downtimeMs?: number): Promise<void>;
}

/**
 * Starts etcd on loopback and kube-apiserver on every address (pods reach it at the host's address, through the
 * `kubernetes` Service; clients still need a certificate of the stack's CA), waits for /readyz and writes an admin
 * kubeconfig.
 */
export async function startKubeControlPlane(options: KubeControlPlaneOptions): Promise<KubeControlPlane> {
  const binaries = await kubeBinaries();
  const certs = ensureKubeCerts(join(options.dataDir, 'pki'));
  const network = serviceNetworkOf(options.dataDir);
  // Without a node nothing in a pod needs the `kubernetes` Service: loopback, and no endpoint written for it.
  const advertised = options.withNode ? hostAddress() : '127.0.0.1';
  const serving = ensureApiserverServingCert(join(options.dataDir, 'pki'), ['127.0.0.1', advertised, network.kubernetesServiceIp], network.clusterDomain);
  const [etcdPort, apiPort] = await freePorts(2);
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  mkdirSync(options.dataDir, { recursive: true });

  say(`starting etcd on ${etcdUrl}`);
  const etcdStarted = Date.now();
  const etcd = new SupervisedProcess({
    name: 'etcd',
    command: binaries.etcd,
    args: [
      '--data-dir', join(options.dataDir, 'etcd'),
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', 'http://127.0.0.1:0',
      '--unsafe-no-fsync',
      '--log-level', 'warn',
    ],
    logFile: join(options.dataDir, 'etcd.log'),
  });
  await waitUntil(async () => (await fetch(`${etcdUrl}/health`)).ok, {
    timeoutMs: 60_000,
    describe: () => etcd.describeExit(),
    abortIf: () => (etcd.hasExited ? etcd.describeExit() : undefined),
  });
  const etcdMs = Date.now() - etcdStarted;

  const server = `https://127.0.0.1:${apiPort}`;
  const startApiserver = () =>
    new SupervisedProcess({
      name: 'kube-apiserver',
      command: binaries.kubeApiserver,
      args: [
        ...apiserverArgs({ certs, serving, network, advertised, etcdUrl, port: apiPort!, certDir: join(options.dataDir, 'apiserver-certs') }),
        ...(options.withNode
          ? nodeApiserverArgs(join(options.dataDir, 'pki'))
          : ['--disable-admission-plugins', 'ServiceAccount', '--authorization-mode', 'RBAC']),
        // Without a node nothing routes the Service; with one, its endpoint is pinned below and never withdrawn.
        '--endpoint-reconciler-type', 'none',
      ],
      logFile: join(options.dataDir, 'kube-apiserver.log'),
    });
  say(`starting kube-apiserver on ${server}`);
  const apiStarted = Date.now();
  let apiserver = startApiserver();
  await waitForReadyz(server, certs, apiserver);
  if (options.withNode) await pinKubernetesServiceEndpoints(server, adminTls(certs), advertised, apiPort!);
  const apiserverMs = Date.now() - apiStarted;

  const kubeconfigPath = join(options.dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, adminKubeconfig(server, certs), { mode: 0o600 });

  return {
    server,
    kubeconfigPath,
    certs,
    network,
    etcd,
    etcdUrl,
    get apiserver() {
      return apiserver;
    },
    startupMs: { etcd: etcdMs, apiserver: apiserverMs },
    async stop() {
      await apiserver.stop();
      await etcd.stop();
    },
    async restartApiserver(downtimeMs = 0) {
      await apiserver.stop();
      await new Promise((resolveDown) => setTimeout(resolveDown, downtimeMs));
      apiserver = startApiserver();
      await waitForReadyz(server, certs, apiserver);
    },
  };
}

function apiserverArgs(o: {
  certs: KubeCerts;
  serving: { cert: string; key: string };
  network: ServiceNetwork;
  advertised: string;
  etcdUrl: string;
  port: number;
  certDir: string;
}): string[] {
  const { certs, port } = o;
  return [
    '--etcd-servers', o.etcdUrl,
    '--bind-address', '0.0.0.0',
    // The `kubernetes` Service's endpoint: an address pods reach through their node's default route.
    '--advertise-address', o.advertised,
    '--secure-port', String(port),
    '--cert-dir', o.certDir,
    '--tls-cert-file', o.serving.cert,
    '--tls-private-key-file', o.serving.key,
    '--client-ca-file', certs.caCert,
    '--service-cluster-ip-range', o.network.serviceCidr,
    '--allow-privileged=true',
    '--service-account-issuer', `https://127.0.0.1:${port}/`,
    '--service-account-key-file', certs.serviceAccountPub,
    '--service-account-signing-key-file', certs.serviceAccountKey,
    // Fairness queues cost CPU on 2 cores and protect nothing on a single-user control plane.
    '--enable-priority-and-fairness=false',
    '-v', '1',
  ];
}

function nodeApiserverArgs(pkiDir: string): string[] {
  // kubeadm's equivalent identity: a client of every kubelet, in the superuser group.
  const kubeletClient = ensureSignedCert(pkiDir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'extendedKeyUsage=clientAuth\n');
  return [
    '--authorization-mode', 'Node,RBAC',
    '--enable-admission-plugins', 'NodeRestriction',
    '--kubelet-client-certificate', kubeletClient.cert,
    '--kubelet-client-key', kubeletClient.key,
    '--kubelet-preferred-address-types', 'InternalIP,Hostname',
  ];
}

const adminTls = (certs: KubeCerts) => ({ ca: readFileSync(certs.caCert), cert: readFileSync(certs.adminCert), key: readFileSync(certs.adminKey) });

async function waitForReadyz(server: string, certs: KubeCerts, proc: SupervisedProcess): Promise<void> {
  const tls = adminTls(certs);
  await waitUntil(() => httpsOk(`${server}/readyz`, tls), {
    timeoutMs: 120_000,
    intervalMs: 250,
    describe: () => proc.describeExit(),
    abortIf: () => (proc.hasExited ? proc.describeExit() : undefined),
  });
}

function httpsOk(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolveOk) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolveOk(res.statusCode === 200);
    });
    req.on('error', () => resolveOk(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function adminKubeconfig(server: string, certs: KubeCerts): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mpdflow-local', cluster: { server, 'certificate-authority-data': b64(certs.caCert) } }],
    users: [{ name: 'mpdflow-admin', user: { 'client-certificate-data': b64(certs.adminCert), 'client-key-data': b64(certs.adminKey) } }],
    contexts: [{ name: 'mpdflow-local', context: { cluster: 'mpdflow-local', user: 'mpdflow-admin', namespace: 'default' } }],
    'current-context': 'mpdflow-local',
  };
  return JSON.stringify(config, null, 2);
}
