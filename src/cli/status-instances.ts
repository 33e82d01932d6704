/**
 * `mpdflow status ns/name`: each instance's role, pod and node from the status, with its replication as the HA manager
 * sees it now (state, timeline, lag behind the writer, synchronous or not), asked of the writer's Patroni through the
 * API server's pod proxy (so it works from outside the cluster, as kubectl does).
 */
import type { KubeClients } from '../kube/client';
import type { MPDCluster } from '../kube/mpdcluster';
import { rawKubeRequest } from '../kube/raw-request';

interface Member {
  name: string;
  role: string;
  state: string;
  timeline?: number;
  lag?: number | string;
}

const lagText = (lag: number | string | undefined) => (lag === undefined ? '' : typeof lag === 'number' ? `lag ${lag} B` : `lag ${lag}`);

export async function instanceLines(kube: KubeClients, cluster: MPDCluster): Promise<string[]> {
  const ns = cluster.metadata.namespace!;
  const status = cluster.status;
  const entries = Object.entries(status?.dbInstanceStatus ?? {});
  if (entries.length === 0) return [];
  const leaderPod = entries.find(([id]) => id === status?.leaderInstanceId)?.[1].podName;
  let members: Member[] = [];
  let unreachable = '';
  if (leaderPod) {
    try {
      members = ((await rawKubeRequest(kube.config, 'GET', `/api/v1/namespaces/${ns}/pods/${leaderPod}:8008/proxy/cluster`, undefined, undefined, 5_000)) as { members?: Member[] }).members ?? [];
    } catch (error) {
      unreachable = `  (the HA manager does not answer: ${(error as Error).message.split('\n')[0]})`;
    }
  }
  const lines = entries.map(([id, ins]) => {
    const member = members.find((m) => m.name === ins.podName);
    const live = member ? `${member.role} ${member.state} timeline ${member.timeline ?? '-'} ${lagText(member.lag)}`.trim() : '-';
    return `  ${id.padEnd(8)} ${(ins.insType ?? '-').padEnd(7)} ${(ins.podName ?? '-').padEnd(24)} ${(ins.nodeName ?? '-').padEnd(18)} ${live}`;
  });
  return ['instances:' + unreachable, `  ${'id'.padEnd(8)} ${'type'.padEnd(7)} ${'pod'.padEnd(24)} ${'node'.padEnd(18)} replication (the HA manager's view)`, ...lines];
}
