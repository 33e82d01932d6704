import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorText } from '../kube/error-text';
import type { MPDCluster } from '../kube/mpdcluster';
import { quantityValue } from '../kube/quantity';

/** The most a pod can get on any one node: the largest allocatable cpu and memory among the nodes. */
export interface LargestNode {
  cpu: { value: number; node: string; given: string };
  memory: { value: number; node: string; given: string };
}

export function largestNode(nodes: Array<{ name: string; allocatable: Record<string, string> }>): LargestNode | undefined {
  let largest: LargestNode | undefined;
  for (const { name, allocatable } of nodes) {
    for (const resource of ['cpu', 'memory'] as const) {
      const given = allocatable[resource];
      const value = given === undefined ? undefined : quantityValue(given);
      if (given === undefined || value === undefined) continue;
      largest ??= { cpu: { value: 0, node: '', given: '0' }, memory: { value: 0, node: '', given: '0' } };
      if (value > largest[resource].value) largest[resource] = { value, node: name, given };
    }
  }
  return largest;
}

/** A class (spec.classInfo, spec.classInfoModifyTo) no node can hold, with the numbers; undefined when it fits or nothing is known. */
export function capacityProblem(cluster: MPDCluster, largest: LargestNode | undefined): string | undefined {
  if (!largest) return undefined;
  for (const field of ['classInfo', 'classInfoModifyTo'] as const) {
    const klass = cluster.spec[field];
    for (const resource of ['cpu', 'memory'] as const) {
      const asked = klass?.[resource];
      const value = asked ? quantityValue(asked) : undefined;
      if (value === undefined || value <= largest[resource].value) continue;
      const most = largest[resource];
      return `spec.${field}.${resource} "${asked}" is more than any node can give: the largest allocatable ${resource} is ${most.given} (node ${most.node})`;
    }
  }
  return undefined;
}

/** The nodes' allocatable resources, listed at start and every `refreshMs` (nodes come and go rarely). */
export class NodeCapacity {
  private largest: LargestNode | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(private readonly deps: { core: CoreV1Api; log: Logger; refreshMs?: number }) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  problem(cluster: MPDCluster): string | undefined {
    return capacityProblem(cluster, this.largest);
  }

  private async refresh(): Promise<void> {
    try {
      const list = await this.deps.core.listNode();
      this.largest = largestNode(list.items.map((n) => ({ name: n.metadata?.name ?? '', allocatable: n.status?.allocatable ?? {} })));
      this.warned = false;
    } catch (error) {
      // Without the list (no RBAC for nodes, API down) no class is refused for its size: the scheduler still says it.
      if (!this.warned) this.deps.log.warn({ error: errorText(error) }, 'cannot list nodes; classes are not checked against node sizes');
      this.warned = true;
    }
  }
}
