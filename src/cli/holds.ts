import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, pauseUpdate, rejectUpdate, resumeUpdate, type HoldAnswer } from '../contract/holds';
import { clusters, parseRef, withTemporal } from './cluster-ops';

const updates = { approve: approveUpdate, reject: rejectUpdate, pause: pauseUpdate, resume: resumeUpdate } as const;
export type HoldVerb = keyof typeof updates;

const said: Record<HoldVerb, (a: HoldAnswer) => string> = {
  approve: (a) => `approved step ${a.step}`,
  reject: (a) => `rejected step ${a.step}: the flow is interrupted (REJECTED); mpdflow recover resumes it at that step`,
  pause: (a) => (a.step ? `paused before step ${a.step}` : 'pause recorded: the flow holds before its next step'),
  resume: (a) => `resumed${a.step ? ` at step ${a.step}` : ''}`,
};

/**
 * `mpdflow approve|reject|pause|resume ns/name [--reason r]`: a Temporal Update to the run of the cluster's current
 * transition. The workflow validates it (an approve with no step waiting is refused) and records it in history.
 */
export async function holdCommand(verb: HoldVerb, target: string, options: { reason?: string }): Promise<void> {
  const ref = parseRef(target);
  const workflowId = (await clusters().get(ref)).status?.transition?.workflowId;
  if (!workflowId) throw new Error(`${ref.namespace}/${ref.name} has no flow to ${verb}`);
  const answer = await withTemporal(async (client) => {
    try {
      return await client.workflow.getHandle(workflowId).executeUpdate(updates[verb], { args: [options.reason ?? `mpdflow ${verb}`] });
    } catch (error) {
      // The workflow's validator said no: its reason is what a person needs, not the wrapper's.
      if (error instanceof WorkflowUpdateFailedError) throw new Error(`${verb} refused by ${workflowId}: ${error.cause?.message ?? error.message}`);
      throw error;
    }
  });
  process.stdout.write(`${said[verb](answer)} (${workflowId})\n`);
}

export const approveCommand = (target: string, options: { reason?: string }) => holdCommand('approve', target, options);
export const rejectCommand = (target: string, options: { reason?: string }) => holdCommand('reject', target, options);
export const pauseCommand = (target: string, options: { reason?: string }) => holdCommand('pause', target, options);
export const resumeCommand = (target: string, options: { reason?: string }) => holdCommand('resume', target, options);
