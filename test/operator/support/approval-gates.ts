/** The shared flows with approval gates, and waiting on and answering them: for tests that act while a step waits. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { approveUpdate } from '../../../src/contract/holds';
import { waitUntil } from '../../../src/infra/wait';
import type { MPDCluster } from '../../../src/kube/mpdcluster';
import { operator as sharedStorageOperator } from '../../../src/operator/shared/operator';
import { clusters } from '../../helpers/operator';
import { scratchRoot } from '../../helpers/scratch';

/** A copy of the shared flows with an approval gate before `step` of each named flow file; returns its directory. */
export function gatedFlows(gates: Record<string, string>): string {
  const dir = mkdtempSync(join(scratchRoot(), 'mpdflow-gated-flows-'));
  cpSync(sharedStorageOperator.flowsDir, dir, { recursive: true });
  for (const [file, step] of Object.entries(gates)) {
    const path = join(dir, file);
    const gated = readFileSync(path, 'utf8').replace(`    stepName: ${step}\n`, `    stepName: ${step}\n    approval: true\n`);
    assert.notEqual(gated, readFileSync(path, 'utf8'), `${file} got its gate at ${step}`);
    writeFileSync(path, gated);
  }
  return dir;
}

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
