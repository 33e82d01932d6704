import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, pauseUpdate, rejectUpdate, resumeUpdate, type HoldAnswer } from '../contract/holds';
import type { MPDCluster } from '../kube/mpdcluster';
import { FlowRuns, isOpen } from '../temporal/flow-runs';
import { clusters, parseRef, withTemporal } from './cluster-ops';

const updates = { approve: approveUpdate, reject: rejectUpdate, pause: pauseUpdate, resume: resumeUpdate } as const;
export type HoldVerb = keyof typeof updates;

const said: Record<HoldVerb, (a: HoldAnswer) => string> = {
  approve: (a) => `approved step ${a.step}`,
  reject: (a) => `rejected step ${a.step}: the flow is interrupted (REJECTED); mpdflow recover resumes it at that step`,
  pause: (a) => (a.step ? `paused before step ${a.step}` : 'pause recorded: the flow holds before its next step'),
  resume: (a) => `resumed${a.step ? ` at step ${a.step}` : ''}`,
};

/** What a verb would have acted on, for the answer when no flow runs. */
const nothing: Record<HoldVerb, string> = {
  approve: 'nothing waits for approval',
  reject: 'nothing waits for approval',
  pause: 'there is nothing to pause',
  resume: 'nothing is paused',
};

/** The plain answer when the cluster has no open run: its state and how its last flow ended. */
export function noFlowRunning(verb: HoldVerb, target: string, cluster: MPDCluster): string {
  const wf = cluster.status?.workflow;
  const last = wf?.flowName ? `; its last flow, ${wf.flowName}, is ${(wf.phase ?? 'closed').toLowerCase()}` : '';
  return `${target} has no flow running (it is ${cluster.status?.clusterStatus || 'not started'}${last}): ${nothing[verb]}`;
}

/**
 * `mpdflow approve|reject|pause|resume ns/name [--reason r]`: a Temporal Update to the run of the cluster's current
 * transition. The workflow validates it (an approve with no step waiting is refused) and records it in history.
 */
export async function holdCommand(verb: HoldVerb, target: string, options: { reason?: string }): Promise<void> {
  const ref = parseRef(target);
  const cluster = await clusters().get(ref);
  const workflowId = cluster.status?.transition?.workflowId;
  const answer = await withTemporal(async (client) => {
    // A closed run answers an Update with "workflow execution already completed": say what that means here.
    if (!workflowId || !isOpen(await new FlowRuns(client).describe(workflowId))) throw new Error(noFlowRunning(verb, `${ref.namespace}/${ref.name}`, cluster));
    try {
      return await client.workflow.getHandle(workflowId).executeUpdate(updates[verb], { args: [options.reason ?? `mpdflow ${verb}`] });
    } catch (error) {
      // The workflow's validator said no: its reason is what a person needs, not the wrapper's.
      if (error instanceof WorkflowUpdateFailedError) throw new Error(`${verb} refused by ${workflowId}: ${error.cause?.message ?? error.message}`);
      // The run closed between the look and the Update.
      if (/already completed/i.test(String((error as Error).message))) throw new Error(noFlowRunning(verb, `${ref.namespace}/${ref.name}`, await clusters().get(ref)));
      throw error;
    }
  });
  process.stdout.write(`${said[verb](answer)} (${workflowId})\n`);
}

export const approveCommand = (target: string, options: { reason?: string }) => holdCommand('approve', target, options);
export const rejectCommand = (target: string, options: { reason?: string }) => holdCommand('reject', target, options);
export const pauseCommand = (target: string, options: { reason?: string }) => holdCommand('pause', target, options);
export const resumeCommand = (target: string, options: { reason?: string }) => holdCommand('resume', target, options);
