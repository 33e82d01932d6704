import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { progressQuery, type FlowProgress, type ResourceRef } from '../../../contract/flow-run';
import { say } from '../../../infra/log';
import { sleep, waitUntil } from '../../../infra/wait';
import type { MpdClusterClient } from '../../../kube/mpdcluster-client';

/** The workflow id of the cluster's current transition, if it has had one. */
export async function currentWorkflowId(clusters: MpdClusterClient, resource: ResourceRef): Promise<string | undefined> {
  return (await clusters.get(resource)).status?.transition?.workflowId;
}

/**
 * Prints a line per step of the next run of `flowName` (the first transition after `previousWorkflowId`), with its
 * duration, until the run closes; returns its final progress.
 */
export async function followFlow(
  client: Client,
  clusters: MpdClusterClient,
  resource: ResourceRef,
  flowName: string,
  previousWorkflowId: string | undefined,
): Promise<FlowProgress> {
  let id = '';
  await waitUntil(
    async () => {
      const transition = (await clusters.get(resource)).status?.transition;
      if (!transition || transition.workflowId === previousWorkflowId || transition.flowName !== flowName) return false;
      id = transition.workflowId;
      try {
        await client.workflow.getHandle(id).describe();
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
    { timeoutMs: 60_000, intervalMs: 100, describe: () => `${flowName} never started for ${resource.namespace}/${resource.name}` },
  );
  say(`flow ${flowName} (workflow ${id})`);
  const handle = client.workflow.getHandle(id);
  const printed = new Set<string>();
  for (;;) {
    const closed = (await handle.describe()).status.name !== 'RUNNING';
    const progress = await handle.query(progressQuery);
    progress.steps.forEach((step, i) => {
      const done = step.outcome === 'completed' || step.outcome === 'skipped' || step.outcome === 'cancelled' || step.outcome === 'failed';
      if (done && !printed.has(step.stepName)) {
        printed.add(step.stepName);
        const time = step.outcome === 'skipped' ? '(skipped)' : `${String(step.durationMs ?? 0).padStart(5)} ms${step.outcome === 'completed' ? '' : `  ${step.outcome}`}`;
        say(`  step ${String(i + 1).padStart(2)}/${progress.total} ${step.stepName.padEnd(26)} ${time}`);
      }
    });
    if (closed) return progress;
    await sleep(200);
  }
}
