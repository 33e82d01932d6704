import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { addressIn, freeSubnet, routedSubnets } from './ipv4-cidr';
import { ipRoutes, stackIdOf } from './node-identity';

/** A stack's Service addresses: its own ClusterIP range, so the host's route to it names one stack only. */
export interface ServiceNetwork {
  /** The API server's --service-cluster-ip-range, a /24 of 10.96.0.0/12 no route of the machine overlapped. */
  serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP (the range's first address): in-cluster clients' KUBERNETES_SERVICE_HOST. */
  kubernetesServiceIp: string;
  /** The `kube-dns` Service's ClusterIP (the range's tenth address, as kubeadm does): the kubelet's clusterDNS. */
  dnsServiceIp: string;
  clusterDomain: string;
}

const servicePool = '10.96.0.0/12';
const legacyServiceCidr = '10.0.0.0/24';
const fileName = 'service-network.json';

/**
 * The service network of the control plane whose data directory is `kubeDataDir`: chosen from the directory's hash
 * on first start and kept in a file there, so a restarted stack keeps its Services' addresses (the API server cannot
 * move an existing cluster to another range).
 */
export function serviceNetworkOf(kubeDataDir: string): ServiceNetwork {
  const file = join(kubeDataDir, fileName);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ServiceNetwork;
  // etcd keeps the range it was first started with (its ServiceCIDR object): a data directory from before stacks had
  // ranges of their own stays on the one they all had.
  const serviceCidr = existsSync(join(kubeDataDir, 'etcd'))
    ? legacyServiceCidr
    : freeSubnet(servicePool, 24, parseInt(stackIdOf(kubeDataDir).slice(0, 6), 16), routedSubnets(ipRoutes()));
  if (!serviceCidr) throw new Error(`no free /24 left in ${servicePool} for the stack's Services`);
  const network: ServiceNetwork = {
    serviceCidr,
    kubernetesServiceIp: addressIn(serviceCidr, 1),
    dnsServiceIp: addressIn(serviceCidr, 10),
    clusterDomain: 'cluster.local',
  };
  mkdirSync(kubeDataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(network, null, 2));
  return network;
}

/** The service network of the local stack whose admin kubeconfig this is; undefined for any other cluster. */
export function serviceNetworkBeside(kubeconfigPath: string): ServiceNetwork | undefined {
  const file = join(dirname(kubeconfigPath), fileName);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ServiceNetwork) : undefined;
}

