import { WorkflowIdConflictPolicy, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { CompiledFlow } from '../contract/flow-definition';
import { cancelSignal, flowWorkflowId, progressQuery, type FlowInput, type FlowProgress, type FlowWorkflow, type ResourceRef } from '../contract/flow-run';
import { searchAttributes } from '../contract/search-attributes';

export interface StartFlowRequest {
  flow: CompiledFlow;
  resource: ResourceRef;
  params?: Record<string, unknown>;
  state?: string;
  resumeFrom?: string;
  carriedOutputs?: Record<string, unknown>;
}

/** Starts (or attaches to) the resource's flow: one open workflow per resource, by its id. */
export async function startFlow(client: Client, taskQueue: string, request: StartFlowRequest): Promise<WorkflowHandleWithFirstExecutionRunId<FlowWorkflow>> {
  const input: FlowInput = {
    flow: request.flow,
    resource: request.resource,
    params: request.params ?? {},
    ...(request.state !== undefined ? { state: request.state } : {}),
    ...(request.resumeFrom !== undefined ? { resumeFrom: request.resumeFrom } : {}),
    ...(request.carriedOutputs !== undefined ? { carriedOutputs: request.carriedOutputs } : {}),
  };
  return client.workflow.start<FlowWorkflow>(request.flow.flowName, {
    workflowId: flowWorkflowId(request.resource),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: searchAttributes.cluster, value: request.resource.name },
      { key: searchAttributes.namespace, value: request.resource.namespace },
      { key: searchAttributes.flow, value: request.flow.flowName },
      { key: searchAttributes.state, value: request.state ?? '' },
    ]),
  });
}

/** Asks the resource's running flow to stop: the running step is cancelled, the resource goes to Interrupt. */
export async function cancelFlow(client: Client, resource: ResourceRef, reason = 'cancelled by request'): Promise<void> {
  await client.workflow.getHandle(flowWorkflowId(resource)).signal(cancelSignal, reason);
}

export async function flowProgress(client: Client, resource: ResourceRef): Promise<FlowProgress> {
  return client.workflow.getHandle(flowWorkflowId(resource)).query(progressQuery);
}
