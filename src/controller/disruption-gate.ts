/**
 * Whether a disruptive transition may start now: inside the cluster's maintenance window (if it declares one) and
 * with a slot of the disruption budget (if the controller has one). Otherwise what `status.held` says and when to
 * look again: the wait lives on the cluster (the request and `status.held`), so a restarted controller resumes it.
 */
import { maintenanceWindowAnnotation } from '../kube/annotations';
import type { HeldStatus } from '../kube/mpdcluster-schema';
import type { MPDCluster } from '../kube/mpdcluster';
import type { DisruptionBudget } from './disruption-budget';
import { parseMaintenanceWindow, windowAt, type MaintenanceWindow } from './maintenance-window';

export type Admission = { admitted: true; reserved: boolean } | { admitted: false; held: HeldStatus; lookAgainMs?: number };

/** A budget-queued cluster looks again this often even when no release woke it (one missed while this controller started). */
export const budgetRecheckMs = 10_000;
/** Long timers are re-armed from the cluster's state, never trusted for days. */
const longestTimerMs = 3_600_000;

/** The cluster's window, undefined when it declares none; a malformed one throws (its message says what to write). */
export function windowOf(cluster: MPDCluster): MaintenanceWindow | undefined {
  const text = cluster.metadata.annotations?.[maintenanceWindowAnnotation];
  return text === undefined ? undefined : parseMaintenanceWindow(text);
}

export function admitDisruption(cluster: MPDCluster, to: string, event: string, transitionId: number, budget: DisruptionBudget | undefined, now: Date): Admission {
  const previous = cluster.status?.held;
  const since = previous?.to === to ? previous.since : now.toISOString();
  const base = { to, event, since };
  let window: MaintenanceWindow | undefined;
  try {
    window = windowOf(cluster);
  } catch (error) {
    const message = `${to} waits: the maintenance window annotation ${maintenanceWindowAnnotation} is malformed (${error instanceof Error ? error.message : String(error)})`;
    return { admitted: false, held: { ...base, reason: 'InvalidMaintenanceWindow', message } };
  }
  if (window) {
    const state = windowAt(window, now);
    if (!state.open) {
      const nextWindowStart = state.nextStart.toISOString();
      const message = `${to} waits for the maintenance window "${window.text}" (${window.timeZone}): it opens at ${nextWindowStart}`;
      return { admitted: false, held: { ...base, reason: 'OutsideMaintenanceWindow', message, nextWindowStart }, lookAgainMs: Math.min(state.nextStart.getTime() - now.getTime() + 100, longestTimerMs) };
    }
  }
  if (!budget) return { admitted: true, reserved: false };
  const answer = budget.tryAcquire(cluster, transitionId, since);
  if (answer.granted) return { admitted: true, reserved: true };
  const message =
    `${to} waits for a disruption budget slot: ${answer.running.length} of ${answer.rule.max} in use (rule ${answer.rule.text}: ${answer.running.join(', ')}), ` +
    `${answer.ahead} queued ahead; the oldest request goes first`;
  return { admitted: false, held: { ...base, reason: 'DisruptionBudgetFull', message, budget: answer.rule.text }, lookAgainMs: budgetRecheckMs };
}

/** Whether `status.held` would change (what people read: the transition, the reason, the message, the next start). */
export function heldChanged(current: HeldStatus | undefined, next: HeldStatus | undefined): boolean {
  if (!current || !next) return current !== next;
  return current.to !== next.to || current.reason !== next.reason || current.message !== next.message || current.nextWindowStart !== next.nextWindowStart;
}
