/** The shared flows with approval gates, and waiting on and answering them: for tests that act while a step waits. */
import type { Client } from '@temporalio/client';
import { approveUpdate } from '../../../src/contract/holds';
import { waitUntil } from '../../../src/infra/wait';
import type { MPDCluster } from '../../../src/kube/mpdcluster';
import { clusters } from '../../helpers/operator';
export { gatedFlows } from '../../helpers/gated-flows';

/** The cluster once its transition `id` waits for approval. */
export async function awaitingApproval(ref: { namespace: string; name: string }, id: number, timeoutMs = 180_000): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      return last.status?.transition?.id === id && last.status.workflow?.phase === 'AwaitingApproval';
    },
    { timeoutMs, describe: () => `transition ${id} never waited for approval: ${JSON.stringify(last?.status?.workflow)}; instances ${Object.keys(last?.status?.dbInstanceStatus ?? {}).join(',')}` },
  );
  return last!;
}

/** `mpdflow approve`: the Update to the run the cluster names. */
export async function approve(client: Client, cluster: MPDCluster): Promise<void> {
  await client.workflow.getHandle(cluster.status?.workflow?.workflowId ?? '').executeUpdate(approveUpdate, { args: ['test'] });
}
