/**
 * How many times each step of a transition ran, from the Temporal histories of all its runs (the first and every
 * resume): every attempt of every scheduled activity counts (ActivityTaskStarted's attempt). A step run twice, by a
 * retry, a re-schedule or two runs of one transition at once, shows as more than one.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { transitionWorkflowId, type StepInput } from '../../src/contract/flow-run';
import { FlowRuns } from '../../src/temporal/flow-runs';

/** Attempts per activity type in one run's history. */
export async function runStepExecutions(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const schedule = event.activityTaskScheduledEventAttributes;
    if (schedule) scheduled.set(String(event.eventId), schedule.activityType?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = scheduled.get(String(started.scheduledEventId)) ?? '?';
      counts[type] = (counts[type] ?? 0) + (started.attempt ?? 1);
    }
  }
  return counts;
}

/** Attempts per activity type over every run of the cluster's transition `id`, with how many runs it had. */
export async function transitionStepExecutions(
  client: Client,
  ref: { namespace: string; name: string; uid: string },
  id: number,
): Promise<{ runs: number; executions: Record<string, number> }> {
  const executions: Record<string, number> = {};
  let runs = 0;
  for (; ; runs++) {
    const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', namespace: ref.namespace, name: ref.name }, ref.uid, id, runs);
    if (!(await new FlowRuns(client).describe(workflowId))) break;
    for (const [type, count] of Object.entries(await runStepExecutions(client, workflowId))) executions[type] = (executions[type] ?? 0) + count;
  }
  return { runs, executions };
}

/** The steps a run executed, in order, each with the values it was given (from the run's history). */
export async function executedSteps(client: Client, workflowId: string): Promise<Array<{ stepName: string; values: Record<string, unknown> }>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const payload = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
    if (!payload) return [];
    const input = defaultPayloadConverter.fromPayload<StepInput>(payload);
    return input.stepName ? [{ stepName: input.stepName, values: input.values }] : [];
  });
}
