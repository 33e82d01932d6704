/**
 * Runs the shared operator's flows directly, as one transition's runs, with no controller: a worker on the real
 * flows and steps (pods on the harness's node), and workflow ids in the transition scheme (`…/<uid>/t<n>`, `…-r<k>` resumed).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { configFromEnv } from '../../../src/config';
import type { CompiledFlow } from '../../../src/contract/flow-definition';
import { transitionWorkflowId, type FlowWorkflow, type ResourceRef } from '../../../src/contract/flow-run';
import { startFlow } from '../../../src/temporal/flow-client';
import { prepareOperator } from '../../../src/operator-api/load-operator';
import { operator as sharedStorageOperator } from '../../../src/operator/shared/operator';
import { startWorker, type RunningWorker } from '../../../src/worker/run-worker';
import { testTaskQueue } from '../../helpers/stack';

export interface TransitionRunner {
  run(resource: ResourceRef, uid: string, flowName: string, options: { transition: number; resumes?: number; params?: Record<string, unknown>; state?: string; resumeFrom?: string }): Promise<WorkflowHandle<FlowWorkflow>>;
  stop(): Promise<void>;
}

export async function startTransitionRunner(client: Client, label: string): Promise<TransitionRunner> {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue(label);
  const operator = prepareOperator(sharedStorageOperator);
  const worker: RunningWorker = await startWorker({ config, operator });
  const { flows } = operator;
  const flowOf = (name: string): CompiledFlow => {
    const flow = flows.get(name);
    if (!flow) throw new Error(`no flow ${name}`);
    return flow;
  };
  return {
    async run(resource, uid, flowName, options) {
      return startFlow(client, config.temporal.taskQueue, {
        flow: flowOf(flowName),
        resource,
        params: options.params ?? {},
        ...(options.state ? { state: options.state } : {}),
        ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
        workflowId: transitionWorkflowId(resource, uid, options.transition, options.resumes),
      });
    },
    async stop() {
      await worker.shutdown();
    },
  };
}
