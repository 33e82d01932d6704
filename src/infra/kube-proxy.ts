import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';
import type { NodeNamespace } from './node-namespace';
import { podPool, type NodeIdentity } from './node-identity';

/**
 * kube-proxy in nftables mode inside the node's network namespace: it translates the stack's ClusterIPs to pod
 * addresses in a table of the node's own, so several stacks on one machine never touch each other's rules.
 * Its identity is system:kube-proxy (bound to system:node-proxier by the API server's default policy). It leaves
 * the kernel's conntrack limits and timeouts alone: they are machine-wide or not its business on a shared host.
 */
export function startKubeProxy(options: {
  dataDir: string;
  binary: string;
  namespace: NodeNamespace;
  identity: NodeIdentity;
  kubeconfig: string;
  /** The nft command (Debian's nftables, tools/node/install.sh), which kube-proxy runs to write its rules. */
  nftDir: string;
}): SupervisedProcess {
  const dir = join(options.dataDir, 'kube-proxy');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.json');
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: options.kubeconfig, qps: 20, burst: 40 },
    mode: 'nftables',
    // Traffic to a ClusterIP from outside the pods (the host, the API server) is masqueraded to the node's address:
    // the host would drop an answer carrying its own address as the source.
    clusterCIDR: podPool,
    hostnameOverride: options.identity.nodeName,
    bindAddress: options.identity.nodeIp,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    nodePortAddresses: [`${options.identity.nodeIp}/32`],
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    // Per mode (a top-level period is ignored; 0 means unset). At the mode's default of 1 s, a switchover's new writer
    // reached the rules up to a second after the last sync (bench/switchover-timeline.ts: gaps 0.75-0.98 s, 0.33-0.48
    // at 100 ms). A faster sync used to expose the writer's Endpoints while empty: tools/images/patroni-launcher.py.
    nftables: { syncPeriod: '30s', minSyncPeriod: '100ms' },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const entered = options.namespace.enter(options.binary, ['--config', configPath, '-v', '1']);
  return new SupervisedProcess({
    name: 'kube-proxy',
    ...entered,
    env: { ...process.env, PATH: `${options.nftDir}:/usr/sbin:/usr/bin:/sbin:/bin` }, // nft first, then the system's tools
    logFile: join(options.dataDir, 'kube-proxy.log'),
  });
}
