/** One pod's path to the API server's Service cut or restored, inside the pod's network namespace (nft, from the host). */
import { execFileSync } from 'node:child_process';
import { kube } from './stack';

const table = 'mpdflow_test_cut';

/** The `kubernetes` Service's address: the one a pod's HA manager reaches the API server through. */
export const apiServiceIp = async () => (await kube().core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec!.clusterIP!;

/** `pid` is any process of the pod (its HA manager's, say): its network namespace is the pod's. */
export function apiServicePath(pid: string, serviceIp: string, open: boolean): void {
  const nft = (...args: string[]) => execFileSync('nsenter', ['-t', pid, '-n', 'nft', ...args], { stdio: 'pipe' });
  if (open) return void nft('delete', 'table', 'ip', table);
  nft('add', 'table', 'ip', table);
  nft('add', 'chain', 'ip', table, 'out', '{ type filter hook output priority 0 ; }');
  nft('add', 'rule', 'ip', table, 'out', 'ip', 'daddr', serviceIp, 'tcp', 'dport', '443', 'reject', 'with', 'tcp', 'reset');
}
