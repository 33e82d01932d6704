/** The end state, read once the clusters are quiet: every flow run (Temporal visibility), clusters, pods, Events. */
import type { Client } from '@temporalio/client';
import type { V1Pod } from '@kubernetes/client-node';
import { searchAttributes } from '../../src/contract/search-attributes';
import { sleep } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { SoakStack } from './soak-stack';

export interface FlowRunRecord {
  cluster: string;
  flow: string;
  workflowId: string;
  runId: string;
  status: string;
  startMs: number;
  /** When it closed; undefined while it is open. */
  closeMs?: number;
}

export interface Census {
  runs: FlowRunRecord[];
  /** Runs that still started or closed while the census read (a flow started again and again), by cluster and flow. */
  churn: string[];
  clusters: Map<string, MPDCluster>;
  pods: V1Pod[];
  /** Events per involved MPDCluster name (all incarnations). */
  events: Map<string, number>;
}

async function listRuns(temporal: Client, namespace: string): Promise<FlowRunRecord[]> {
  const runs: FlowRunRecord[] = [];
  for await (const wf of temporal.workflow.list({ query: `${searchAttributes.namespace.name} = "${namespace}"` })) {
    runs.push({
      cluster: wf.typedSearchAttributes.get(searchAttributes.cluster) ?? '?',
      flow: wf.typedSearchAttributes.get(searchAttributes.flow) ?? wf.type,
      workflowId: wf.workflowId,
      runId: wf.runId,
      status: wf.status.name,
      startMs: wf.startTime.getTime(),
      ...(wf.closeTime ? { closeMs: wf.closeTime.getTime() } : {}),
    });
  }
  return runs.sort((a, b) => a.startMs - b.startMs);
}

/**
 * Visibility is eventually consistent: read until two reads in a row agree (bounded). When they never do, a flow
 * keeps starting (a loop): the clusters whose runs still changed between the last two reads are returned as churn.
 */
async function settledRuns(temporal: Client, namespace: string): Promise<{ runs: FlowRunRecord[]; churn: string[] }> {
  const keyOf = (runs: FlowRunRecord[]) => runs.map((r) => `${r.runId}:${r.status}`).join(',');
  let previous: FlowRunRecord[] = [];
  let runs: FlowRunRecord[] = [];
  for (let read = 0; read < 12; read++) {
    if (read > 0) await sleep(3000);
    previous = runs;
    runs = await listRuns(temporal, namespace);
    if (read > 0 && keyOf(runs) === keyOf(previous)) return { runs, churn: [] };
  }
  const before = new Set(previous.map((r) => `${r.runId}:${r.status}`));
  return { runs, churn: [...new Set(runs.filter((r) => !before.has(`${r.runId}:${r.status}`)).map((r) => `${r.cluster} ${r.flow}`))].sort() };
}

export async function takeCensus(stack: SoakStack, namespace: string): Promise<Census> {
  const { runs, churn } = await settledRuns(stack.temporal, namespace);
  const clusters = new Map((await stack.clusters.list(namespace)).items.map((c) => [c.metadata.name!, c]));
  // Engine pods (the cluster managers' pods belong to their ReplicaSets).
  const pods = (await stack.kube.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/managed-by=mpdflow,mpd.polardb.aliyun.com/ins-id' })).items;
  const events = new Map<string, number>();
  for (const event of (await stack.kube.core.listNamespacedEvent({ namespace })).items) {
    if (event.involvedObject.kind !== 'MPDCluster' || !event.involvedObject.name) continue;
    events.set(event.involvedObject.name, (events.get(event.involvedObject.name) ?? 0) + (event.count ?? 1));
  }
  return { runs, churn, clusters, pods, events };
}
