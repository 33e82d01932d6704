import type { Client } from '@temporalio/client';
import { flowWorkflowId, progressQuery, type FlowProgress, type ResourceRef } from '../contract/flow-run';
import { say } from '../infra/log';
import { sleep, waitUntil } from '../infra/wait';

/** The run id of the cluster's newest run, if any. */
export async function newestRunId(client: Client, resource: ResourceRef): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(flowWorkflowId(resource)).describe()).runId;
  } catch {
    return undefined;
  }
}

/**
 * Prints a line per step of the next run of `flowName` (one started after `previousRunId`), with its duration,
 * until the run closes; returns its final progress.
 */
export async function followFlow(client: Client, resource: ResourceRef, flowName: string, previousRunId: string | undefined): Promise<FlowProgress> {
  const id = flowWorkflowId(resource);
  let runId = '';
  await waitUntil(
    async () => {
      const d = await client.workflow.getHandle(id).describe();
      runId = d.runId;
      return d.runId !== previousRunId && d.type === flowName;
    },
    { timeoutMs: 60_000, intervalMs: 100, describe: () => `${flowName} never started for ${resource.namespace}/${resource.name}` },
  );
  say(`flow ${flowName} (workflow ${id})`);
  const handle = client.workflow.getHandle(id, runId);
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
