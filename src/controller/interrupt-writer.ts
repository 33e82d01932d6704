import { engineInterruptCodes } from '../contract/flow-run';
import { interruptAnnotations, interruptNotRecovering } from '../kube/annotations';
import { consumedTrigger } from '../kube/consumed-trigger';
import type { MPDCluster } from '../kube/mpdcluster';
import type { ClusterRef, MpdClusterClient } from '../kube/mpdcluster-client';
import type { TransitionStatus, WorkflowStatus } from '../kube/mpdcluster-schema';
import { mergeReplacing } from '../kube/merge-replace';
import { States } from '../contract/states';

export interface ControllerInterrupt {
  reason: string;
  message: string;
  /** The step a recovery resumes at ('' = the first). */
  step: string;
}

/** What a run that closed without recording its interrupt is recorded as, by how it closed. */
export function interruptForClosedRun(status: string, runId: string, flowName: string, step: string): ControllerInterrupt {
  const reason = status === 'CANCELLED' ? engineInterruptCodes.cancelled : status === 'TERMINATED' ? 'TERMINATED' : status === 'TIMED_OUT' ? 'TIMED_OUT' : 'FLOW_FAILED';
  return { reason, message: `run ${runId} of ${flowName} ended ${status} before it recorded an interrupt`, step };
}

/**
 * The seed's interrupt, written by the controller for a transition whose run cannot write it (closed without its
 * bookkeeping, or cancelled before it started). Both writes are conditional on the object read, so a run's own
 * bookkeeping or a newer transition is never overwritten. A cancel or terminate consumes the transition's trigger in
 * the first write (docs/cancel.md).
 */
export async function writeInterrupt(clusters: MpdClusterClient, cluster: MPDCluster, ref: ClusterRef, transition: TransitionStatus, interrupt: ControllerInterrupt): Promise<void> {
  const annotated = await clusters.patch(
    ref,
    {
      metadata: {
        annotations: {
          [interruptAnnotations.recover]: interruptNotRecovering,
          [interruptAnnotations.reason]: interrupt.reason,
          [interruptAnnotations.message]: interrupt.message,
          [interruptAnnotations.previousStatus]: transition.to,
          ...consumedTrigger(cluster, transition.workflowId, interrupt.reason),
        },
      },
    },
    cluster.metadata.resourceVersion,
  );
  const workflow = cluster.status?.workflow;
  const sameRun = workflow?.workflowId === transition.workflowId;
  const next: WorkflowStatus = {
    ...(sameRun ? workflow : { flowName: transition.flowName, workflowId: transition.workflowId }),
    phase: 'Interrupted',
    step: interrupt.step,
    failedStep: interrupt.step,
    message: `${interrupt.reason}: ${interrupt.message}`,
    updatedAt: new Date().toISOString(),
  };
  await clusters.patchStatus(
    ref,
    { clusterStatus: States.interrupt, workflow: mergeReplacing(workflow, next) as WorkflowStatus },
    annotated.metadata.resourceVersion,
  );
}
