import { isIP } from 'node:net';

/**
 * The kubelet's clusterDNS on the local node: no cluster DNS runs there, so the host's own first nameserver stands in,
 * when pods can reach it (not a loopback address: that is the host's, not the pod's). Without one the kubelet writes a
 * MissingClusterDNS Warning for every sync of every ClusterFirst pod (thousands of Event writes in a soak).
 */
export function clusterDnsFromResolvConf(resolvConf: string): string[] {
  for (const line of resolvConf.split('\n')) {
    const [keyword, address] = line.trim().split(/\s+/);
    if (keyword !== 'nameserver' || !address || isIP(address) === 0) continue;
    const loopback = address === '::1' || address.startsWith('127.');
    return loopback ? [] : [address];
  }
  return [];
}
