import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';
import type { NodeNamespace } from './node-namespace';
import type { NodeIdentity } from './node-identity';

export interface KubeletOptions {
  dataDir: string;
  binary: string;
  namespace: NodeNamespace;
  identity: NodeIdentity;
  /** The cluster DNS Service's address and the cluster's domain (pods' resolv.conf). */
  clusterDns: { ip: string; domain: string };
  /** Its own kubeconfig: the client certificate system:node:<name> in group system:nodes. */
  kubeconfig: string;
  caCert: string;
  servingCert: string;
  servingKey: string;
  containerdEndpoint: string;
  port: number;
  healthzPort: number;
}

/**
 * The kubelet, inside the node's namespace: cgroupfs driver under the stack's own cgroup root, swap tolerated,
 * the non-loopback node IP, x509 + webhook authentication/authorization of its API (as on a real node), and
 * eviction and image GC thresholds that never fire on a shared development machine.
 */
export function startKubelet(options: KubeletOptions): SupervisedProcess {
  const dir = join(options.dataDir, 'kubelet');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.json');
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: options.identity.nodeIp,
    port: options.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: options.healthzPort,
    tlsCertFile: options.servingCert,
    tlsPrivateKeyFile: options.servingKey,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: options.caCert } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'cgroupfs',
    cgroupRoot: options.identity.cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    containerRuntimeEndpoint: options.containerdEndpoint,
    imageServiceEndpoint: options.containerdEndpoint,
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    localStorageCapacityIsolation: false,
    serializeImagePulls: false,
    resolvConf: '/etc/resolv.conf',
    clusterDNS: [options.clusterDns.ip],
    clusterDomain: options.clusterDns.domain,
    // Pods report status fast (the default sync is 1 min; pod workers react to events anyway).
    nodeStatusUpdateFrequency: '5s',
    nodeStatusReportFrequency: '1m',
    syncFrequency: '10s',
    shutdownGracePeriod: '0s',
    // More than the default 110: the full soak runs 50 clusters of engines and cluster managers on this one node.
    maxPods: 250,
    protectKernelDefaults: false,
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const entered = options.namespace.enter(options.binary, [
    '--config', configPath,
    '--kubeconfig', options.kubeconfig,
    '--root-dir', join(dir, 'root'),
    '--cert-dir', join(dir, 'pki'),
    '--hostname-override', options.identity.nodeName,
    '--node-ip', options.identity.nodeIp,
    '--node-labels', 'mpdflow.local/node=true',
    '-v', '1',
  ]);
  return new SupervisedProcess({ name: 'kubelet', ...entered, logFile: join(options.dataDir, 'kubelet.log') });
}
