/** The seed's interrupt as a run writes it on its cluster: only while the cluster is still that run's (issue 21). */
import type { Logger } from 'pino';
import type { FlowEvent } from '../contract/flow-run';
import { States } from '../contract/states';
import { interruptAnnotations, interruptNotRecovering } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import type { WorkflowStatus } from '../kube/mpdcluster-schema';
import { stillRunsCluster } from '../kube/run-owner';
import { consumedTrigger } from '../kube/consumed-trigger';

/** Conflicts the write reads through (another writer between the read and the write) before the activity's retry. */
const conflictAttempts = 5;

export interface RunInterrupt {
  reason: string;
  message: string;
  /** status.workflow of the interrupted run, as it is to be written. */
  workflow: WorkflowStatus;
}

/**
 * Annotations, then the Interrupt state, each conditional on the object read: a cluster that has left the run's
 * transition (resumed by another run, a newer transition, another object under the name) is left as it is, also
 * when it leaves between the read and the write (409, read again). Returns the cluster read, or undefined when the
 * interrupt was not the run's to write.
 */
export async function writeRunInterrupt(clusters: MpdClusterClient, event: FlowEvent, interrupt: RunInterrupt, log: Logger): Promise<MPDCluster | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = await clusters.get(event.resource);
    if (!stillRunsCluster(current, event.workflowId)) {
      log.info(
        { cluster: `${event.resource.namespace}/${event.resource.name}`, workflowId: event.workflowId, now: current.status?.transition?.workflowId },
        "the cluster is no longer in this run's transition: its interrupt is not written",
      );
      return undefined;
    }
    try {
      await writeOn(clusters, current, event, interrupt);
      return current;
    } catch (error) {
      if (apiStatus(error) !== 409 || attempt >= conflictAttempts) throw error;
    }
  }
}

async function writeOn(clusters: MpdClusterClient, current: MPDCluster, event: FlowEvent, interrupt: RunInterrupt): Promise<void> {
  const annotations = current.metadata.annotations ?? {};
  // A retried activity must not record Interrupt as its own previous state.
  const previous =
    event.state ?? (current.status?.clusterStatus === States.interrupt ? annotations[interruptAnnotations.previousStatus] : current.status?.clusterStatus) ?? States.creating;
  const annotated = await clusters.patch(
    event.resource,
    {
      metadata: {
        annotations: {
          [interruptAnnotations.recover]: interruptNotRecovering,
          [interruptAnnotations.reason]: interrupt.reason,
          [interruptAnnotations.message]: interrupt.message,
          [interruptAnnotations.previousStatus]: previous,
          // A cancel consumes its transition's trigger, only as read (the write is conditional on the read).
          ...consumedTrigger(current, event.workflowId, interrupt.reason),
        },
      },
    },
    current.metadata.resourceVersion,
  );
  await clusters.patchStatus(event.resource, { clusterStatus: States.interrupt, workflow: interrupt.workflow }, annotated.metadata.resourceVersion);
}
