import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NodeIdentity } from './node-identity';
import type { NodeNamespace } from './node-namespace';

const run = promisify(execFile);

/**
 * Wires a node's network namespace to the host: a veth pair (the host's end named after the node, the node's end
 * its eth0) on the node's /30, the node's default route through the host, and host routes to the node's pods and,
 * for the stack's first node, to the stack's Service range (kube-proxy in the node translates ClusterIPs).
 * Forwarding is switched on for the host's end only, so pods of two nodes of one stack reach each other through
 * the host without the host forwarding anything else. Everything here vanishes with the namespace.
 */
export async function linkNodeToHost(identity: NodeIdentity, namespace: NodeNamespace, serviceCidr?: string): Promise<void> {
  const host = (...args: string[]) => run('ip', args);
  const inNode = (command: string, ...args: string[]) => run('nsenter', ['--target', String(namespace.initPid), '--net', '--', command, ...args]);
  const prefix = identity.linkCidr.split('/')[1]!;
  await host('link', 'add', identity.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(namespace.initPid));
  await host('addr', 'add', `${identity.hostLinkIp}/${prefix}`, 'dev', identity.hostVeth);
  await run('sysctl', ['-qw', `net.ipv4.conf.${identity.hostVeth}.forwarding=1`]);
  await host('link', 'set', identity.hostVeth, 'up');
  await inNode('ip', 'addr', 'add', `${identity.nodeIp}/${prefix}`, 'dev', 'eth0');
  await inNode('ip', 'link', 'set', 'eth0', 'up');
  await inNode('ip', 'route', 'add', 'default', 'via', identity.hostLinkIp);
  await inNode('sysctl', '-qw', 'net.ipv4.ip_forward=1');
  await host('route', 'add', identity.podCidr, 'via', identity.nodeIp, 'dev', identity.hostVeth);
  if (serviceCidr) {
    await host('route', 'add', serviceCidr, 'via', identity.nodeIp, 'dev', identity.hostVeth).catch((error: Error) => {
      throw new Error(
        `the host cannot route the stack's Services (${serviceCidr}) to its node: another live stack uses that range ` +
          `(two data directories from before stacks had ranges of their own both use 10.0.0.0/24; start one with a new data directory). ${error.message}`,
      );
    });
  }
}
