import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { flowWorkflowId, type ResourceRef } from '../contract/flow-run';

export interface RunInfo {
  workflowType: string;
  status: string;
  runId: string;
}

/** The newest run of the resource's workflow id, open or closed; undefined when there has never been one. */
export async function latestRun(client: Client, resource: ResourceRef): Promise<RunInfo | undefined> {
  try {
    const description = await client.workflow.getHandle(flowWorkflowId(resource)).describe();
    return { workflowType: description.type, status: description.status.name, runId: description.runId };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

export const isOpen = (run: RunInfo | undefined): run is RunInfo & { status: 'RUNNING' } => run?.status === 'RUNNING';
