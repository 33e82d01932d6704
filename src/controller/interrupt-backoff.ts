/** A transition from Interrupt (Rebuild) that keeps failing waits longer each time, measured from the interrupt. */
import type { MPDCluster } from '../kube/mpdcluster';

/** The wait before the streak-th transition from Interrupt in a row: 0, 2 s, 4 s, … 5 min. */
export function interruptBackoffMs(streak: number): number {
  return streak <= 1 ? 0 : Math.min(2_000 * 2 ** (streak - 2), 300_000);
}

/** How long a transition from Interrupt still waits: measured from the interrupt, so a restart keeps the backoff. */
export function backoffLeft(cluster: MPDCluster, streak: number): number {
  const delay = interruptBackoffMs(streak);
  if (delay === 0) return 0;
  const interruptedAt = Date.parse(cluster.status?.workflow?.updatedAt ?? '') || Date.now();
  return Math.max(0, interruptedAt + delay - Date.now());
}
