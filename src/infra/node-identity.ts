import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { addressIn, freeSubnet, routedSubnets } from './ipv4-cidr';

/**
 * What keeps two local stacks on one machine apart (a test run beside `mpdflow dev`): everything host-wide that a
 * node creates is named after an id derived from the stack's data directory.
 */
export interface NodeIdentity {
  /** 8 hex characters of the data directory's hash. */
  stackId: string;
  nodeName: string;
  /** The CNI bridge, inside the node's network namespace. */
  bridge: string;
  /** The pods' subnet on this node, a /24 no other route of the machine uses (the host routes it to the node). */
  podCidr: string;
  /** The node's cgroup parent, the same name in every hierarchy. */
  cgroupRoot: string;
  /** The host's end of the veth pair to the node's network namespace (at most 15 characters, a kernel limit). */
  hostVeth: string;
  /** The /30 of that link, free on this machine. */
  linkCidr: string;
  /** The host's address on the link: the node's default gateway. */
  hostLinkIp: string;
  /** The node's address on the link (its eth0): the kubelet's node IP, what the API server reaches it at. */
  nodeIp: string;
}

export const bridgePrefix = 'mpdf';
export const hostVethPrefix = 'mpdh';
export const cgroupPrefix = 'mpdflow-';
/** Where the nodes' pod subnets (/24) and host links (/30) are taken from; service-network.ts keeps 10.96.0.0/12. */
export const podPool = '10.224.0.0/11';
const linkPool = '10.199.0.0/16';

export function nodeIdentity(dataDir: string, nodeName = 'mpdflow-node-1'): NodeIdentity {
  const stackId = stackIdOf(dataDir);
  const hostVeth = `${hostVethPrefix}${stackId}`;
  // Our own routes from a killed run of this very node are no conflict: they vanish with its namespace.
  const taken = routedSubnets(ipRoutes().filter((route) => !route.includes(` dev ${hostVeth}`) && !route.includes(` dev ${bridgePrefix}${stackId}`)));
  const seed = parseInt(stackId.slice(0, 6), 16);
  const podCidr = freeSubnet(podPool, 24, seed, taken);
  const linkCidr = freeSubnet(linkPool, 30, seed, taken);
  if (!podCidr || !linkCidr) throw new Error(`no free subnet left in ${podPool} or ${linkPool} for the node's pods and link`);
  return {
    stackId,
    nodeName,
    bridge: `${bridgePrefix}${stackId}`,
    podCidr,
    cgroupRoot: `/${cgroupPrefix}${stackId}`,
    hostVeth,
    linkCidr,
    hostLinkIp: addressIn(linkCidr, 1),
    nodeIp: addressIn(linkCidr, 2),
  };
}

export function stackIdOf(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8);
}

export function ipRoutes(): string[] {
  try {
    return execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).split('\n');
  } catch {
    return [];
  }
}

/**
 * The address of the default route's interface, else the first non-internal IPv4 address: the API server's
 * advertised address, which pods reach through their node's default route.
 */
export function hostAddress(): string {
  const interfaces = networkInterfaces();
  let device: string | undefined;
  try {
    device = execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' }).match(/\bdev (\S+)/)?.[1];
  } catch {
    // no ip command: fall through
  }
  const candidates = [...(device ? [device] : []), ...Object.keys(interfaces)].filter((name) => !name.startsWith(bridgePrefix) && !name.startsWith(hostVethPrefix));
  for (const name of candidates) {
    const address = interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal);
    if (address) return address.address;
  }
  throw new Error('pods reach the API server at a non-loopback IPv4 address of this machine, and it has none');
}
