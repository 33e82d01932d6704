import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';

/**
 * What keeps two local stacks on one machine apart (a test run beside `mpdflow dev`): everything host-wide that a
 * node creates is named after an id derived from the stack's data directory.
 */
export interface NodeIdentity {
  /** 8 hex characters of the data directory's hash. */
  stackId: string;
  nodeName: string;
  /** The CNI bridge (at most 15 characters, a kernel limit). */
  bridge: string;
  /** The pods' subnet on this node, a /24 no other route of the machine uses. */
  podCidr: string;
  /** The node's cgroup parent, the same name in every hierarchy. */
  cgroupRoot: string;
  /** A non-loopback address of this machine (the kubelet refuses loopback for node status). */
  nodeIp: string;
}

export const bridgePrefix = 'mpdf';
export const cgroupPrefix = 'mpdflow-';

export function nodeIdentity(dataDir: string, nodeName = 'mpdflow-node-1'): NodeIdentity {
  const stackId = stackIdOf(dataDir);
  return {
    stackId,
    nodeName,
    bridge: `${bridgePrefix}${stackId}`,
    podCidr: freePodCidr(stackId),
    cgroupRoot: `/${cgroupPrefix}${stackId}`,
    nodeIp: hostIp(),
  };
}

export function stackIdOf(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8);
}

/** 10.X.Y.0/24 from the stack id, stepping on while a route of this machine overlaps it. */
function freePodCidr(stackId: string): string {
  const routes = ipRoutes();
  const start = parseInt(stackId.slice(0, 4), 16) % (56 * 256);
  for (let i = 0; i < 56 * 256; i++) {
    const n = (start + i) % (56 * 256);
    const cidr = `10.${200 + Math.floor(n / 256)}.${n % 256}.0/24`;
    const prefix = cidr.slice(0, cidr.lastIndexOf('.') + 1);
    // Our own bridge's route from a killed run of this very stack is no conflict: cleanup removes it.
    if (!routes.some((route) => route.startsWith(prefix) && !route.includes(`${bridgePrefix}${stackId}`))) return cidr;
  }
  throw new Error('no free 10.200-255.x.0/24 subnet for the pods');
}

function ipRoutes(): string[] {
  try {
    return execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).split('\n');
  } catch {
    return [];
  }
}

/** The address of the default route's interface, else the first non-internal IPv4 address. */
function hostIp(): string {
  const interfaces = networkInterfaces();
  let device: string | undefined;
  try {
    device = execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' }).match(/\bdev (\S+)/)?.[1];
  } catch {
    // no ip command: fall through
  }
  const candidates = [...(device ? [device] : []), ...Object.keys(interfaces)].filter((name) => !name.startsWith(bridgePrefix));
  for (const name of candidates) {
    const address = interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal);
    if (address) return address.address;
  }
  throw new Error('the node needs a non-loopback IPv4 address and this machine has none (the kubelet refuses loopback)');
}
