/**
 * Runs the shared operator's flows directly, as one transition's runs, with no controller: a worker on the real
 * flows and steps (pods on the harness's node), and workflow ids in the transition scheme (`…/<uid>/t<n>`, `…-r<k>` resumed),
 * each transition recorded on the cluster (status.transition) before its run starts, as the controller records it.
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
import { clusters } from '../../helpers/operator';
import { States } from '../../../src/contract/states';
import type { TransitionStatus } from '../../../src/kube/mpdcluster-schema';

export interface TransitionRunner {
  run(
    resource: ResourceRef,
    uid: string,
    flowName: string,
    options: { transition: number; resumes?: number; params?: Record<string, unknown>; trigger?: Record<string, string>; state?: string; resumeFrom?: string },
  ): Promise<WorkflowHandle<FlowWorkflow>>;
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
      const workflowId = transitionWorkflowId(resource, uid, options.transition, options.resumes);
      // As the controller does, the transition (with its state) is on the cluster before its run starts: a run writes
      // its outcome only while its cluster is in its transition, and its steps read the request recorded there.
      const transition: TransitionStatus = {
        id: options.transition,
        from: States.running,
        to: options.state ?? '',
        flowName,
        event: flowName,
        params: options.params ?? {},
        ...(options.trigger ? { trigger: options.trigger } : {}),
        resumes: options.resumes ?? 0,
        resumeFrom: options.resumeFrom ?? '',
        workflowId,
      };
      await clusters().patchStatus(resource, { transition: null as unknown as undefined });
      await clusters().patchStatus(resource, { ...(options.state ? { clusterStatus: options.state } : {}), transition });
      return startFlow(client, config.temporal.taskQueue, {
        flow: flowOf(flowName),
        resource,
        params: options.params ?? {},
        ...(options.state ? { state: options.state } : {}),
        ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
        workflowId,
      });
    },
    async stop() {
      await worker.shutdown();
    },
  };
}
