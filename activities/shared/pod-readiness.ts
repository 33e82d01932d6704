/**
 * What a starting engine pod's status says, in the seed's interrupt codes: the kubelet's and the scheduler's own
 * words become the interrupt message, so a person sees why (the image, the exit, the node) without a debugger.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export const podInterrupts = {
  lost: 'POD_LOST',
  unschedulable: 'POD_UNSCHEDULED',
  startFailed: 'DB_START_FAIL',
  /** Not a seed code: the seed pulled from a registry that always had its images. */
  imagePull: 'IMAGE_PULL_FAIL',
} as const;

export interface PodProblem {
  code: (typeof podInterrupts)[keyof typeof podInterrupts];
  message: string;
}

/** How long a pod may stay unschedulable (the scheduler retries every 10 s here) and unready before the flow gives up. */
export const podWaitLimits = { unschedulableMs: 120_000, readyMs: 360_000 };
/** Container waiting reasons that will not pass by waiting: the image is not there or cannot be named. */
const imageReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);

export const isPodReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function lastExit(status: V1ContainerStatus): string {
  const t = status.lastState?.terminated ?? status.state?.terminated;
  if (!t) return 'no exit recorded';
  return `exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message.trim()}` : ''}`;
}

/** What a step saw of the cluster beside the pod, against which the scheduler's refusal is judged. */
export interface SchedulingSeen {
  /** When a node last became Ready or stopped being Ready (ms since the epoch). */
  nodesChangedAt?: number;
  /** Claims the scheduler's message names that exist and are not being deleted. */
  existingClaims?: ReadonlySet<string>;
}

/**
 * Why this pod will not become Ready by waiting, or undefined while it still may. `now` in ms since the epoch. An
 * unschedulable pod gets its whole wait again from `nodesChangedAt`: after API server restarts every node was NotReady
 * for a minute and tainted, and the scheduler refused all. A refusal for a claim "not found" that exists is the
 * scheduler's cache lagging (the 25-cluster soak saw it over two minutes after restarts): waited for as long as a start.
 */
export function podProblem(pod: V1Pod, now: number, seen: SchedulingSeen = {}): PodProblem | undefined {
  const name = `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
  if (pod.metadata?.deletionTimestamp) return { code: podInterrupts.lost, message: `${name} is being deleted (not by this flow)` };
  if (isPodReady(pod)) return undefined;
  const age = now - new Date(pod.metadata?.creationTimestamp ?? now).getTime();
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    return { code: podInterrupts.startFailed, message: `${name} ${phase.toLowerCase()}: ${pod.status?.reason ?? ''} ${pod.status?.message ?? ''}`.trim() };
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    const lagging = claimsSchedulerMisses(pod).filter((claim) => seen.existingClaims?.has(claim));
    const limit = lagging.length > 0 ? podWaitLimits.readyMs : podWaitLimits.unschedulableMs;
    if (Math.min(age, now - (seen.nodesChangedAt ?? 0)) > limit) {
      const why = lagging.length > 0 ? ` (claim ${lagging.join(', ')} exists: the scheduler has not seen it)` : '';
      return { code: podInterrupts.unschedulable, message: `${name} not scheduled after ${Math.round(age / 1000)} s: ${scheduled.message ?? scheduled.reason ?? 'no reason given'}${why}` };
    }
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && imageReasons.has(waiting.reason)) {
      return { code: podInterrupts.imagePull, message: `${name}: image ${status.image} cannot be used (${waiting.reason}): ${waiting.message ?? ''}`.trim() };
    }
    // One crash may be a fluke the kubelet's restart mends; a second one is the engine failing to start.
    if (waiting?.reason === 'CrashLoopBackOff' && status.restartCount >= 2) {
      return { code: podInterrupts.startFailed, message: `${name}: the engine keeps exiting (${status.restartCount} restarts, last ${lastExit(status)})` };
    }
  }
  const unready = now - unreadySince(pod);
  if (scheduled?.status === 'True' && unready > podWaitLimits.readyMs) {
    return { code: podInterrupts.startFailed, message: `${name} not Ready for ${Math.round(unready / 1000)} s: ${readinessDetail(pod)}` };
  }
  return undefined;
}

/** The claims the scheduler says it cannot find, in its words: `persistentvolumeclaim "<name>" not found`. */
export function claimsSchedulerMisses(pod: V1Pod): string[] {
  const message = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message ?? '';
  return [...message.matchAll(/persistentvolumeclaim "([^"]+)" not found/g)].map((match) => match[1]!);
}

/**
 * When the pod last stopped being Ready (its Ready condition's last transition), or was created if later: a pod that
 * served for an hour and misses a probe during an API server outage has been unready for seconds, not for an hour.
 */
function unreadySince(pod: V1Pod): number {
  const created = new Date(pod.metadata?.creationTimestamp ?? Date.now()).getTime();
  const transition = pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  return Math.max(created, transition ? new Date(transition).getTime() : created);
}

function readinessDetail(pod: V1Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const container = pod.status?.containerStatuses?.[0];
  const state = container?.state?.waiting?.reason ?? (container?.state?.running ? 'running' : container?.state?.terminated ? 'terminated' : 'no container yet');
  return `${ready?.reason ?? 'not ready'}${ready?.message ? ` (${ready.message})` : ''}; container ${state}, ${container?.restartCount ?? 0} restarts`;
}
