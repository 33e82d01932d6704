import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { CompiledFlow } from '../contract/flow-definition';
import { flowWorkflowId, type FlowInput, type FlowWorkflow, type ResourceRef } from '../contract/flow-run';
import { searchAttributes } from '../contract/search-attributes';

export interface StartFlowRequest {
  flow: CompiledFlow;
  resource: ResourceRef;
  params?: Record<string, unknown>;
  state?: string;
  resumeFrom?: string;
  carriedOutputs?: Record<string, unknown>;
  /** The resource already shows the run's first step (the controller's transition write): FlowInput.announced. */
  announced?: boolean;
  /** Who asked for the transition (FlowInput.requestedBy). */
  requestedBy?: FlowInput['requestedBy'];
  /** The controller passes the transition's id; ad-hoc runs default to `flowWorkflowId(resource)`. */
  workflowId?: string;
  /**
   * Reuse of a closed id: `never` (one run per transition: a second start throws WorkflowExecutionAlreadyStartedError),
   * `after-failure` (a failed release may run again, a completed one never); by default any closed id is reused.
   */
  idReuse?: 'never' | 'after-failure';
}

const reusePolicies = { never: WorkflowIdReusePolicy.REJECT_DUPLICATE, 'after-failure': WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY } as const;

/** Starts the flow, or attaches to the open run of the same id. */
export async function startFlow(client: Client, taskQueue: string, request: StartFlowRequest): Promise<WorkflowHandleWithFirstExecutionRunId<FlowWorkflow>> {
  const input: FlowInput = {
    flow: request.flow,
    resource: request.resource,
    params: request.params ?? {},
    ...(request.state !== undefined ? { state: request.state } : {}),
    ...(request.resumeFrom !== undefined ? { resumeFrom: request.resumeFrom } : {}),
    ...(request.carriedOutputs !== undefined ? { carriedOutputs: request.carriedOutputs } : {}),
    ...(request.announced ? { announced: true } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    lean: true,
  };
  return client.workflow.start<FlowWorkflow>(request.flow.flowName, {
    workflowId: request.workflowId ?? flowWorkflowId(request.resource),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    ...(request.idReuse ? { workflowIdReusePolicy: reusePolicies[request.idReuse] } : {}),
    typedSearchAttributes: new TypedSearchAttributes([
      { key: searchAttributes.cluster, value: request.resource.name },
      { key: searchAttributes.namespace, value: request.resource.namespace },
      { key: searchAttributes.flow, value: request.flow.flowName },
      { key: searchAttributes.state, value: request.state ?? '' },
    ]),
  });
}
