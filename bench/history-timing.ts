/**
 * Where a run's time goes, from the server's own timestamps: every gap between two consecutive history events is
 * charged to what happened in it (a task waiting for a worker, a worker running it, the server between two tasks).
 */
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const millis = (event: HistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
const short = (type: number | null | undefined) => (EventType[type ?? 0] ?? String(type)).replace(/^EVENT_TYPE_/, '').toLowerCase();

/** The activity type of each scheduled event, so a started/completed pair can be named after it. */
function activityTypes(events: HistoryEvent[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes) types.set(String(event.eventId), attributes.activityType?.name ?? '?');
  }
  return types;
}

function gapName(previous: HistoryEvent, current: HistoryEvent, types: Map<string, string>): string {
  const [p, c] = [previous.eventType, current.eventType];
  if (p === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && c === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) return 'workflow task: waiting for a worker';
  if (p === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && c === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return 'workflow task: on the worker';
  if (c === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) return 'activity: waiting for a worker';
  if (p === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && c === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
    const scheduled = String(current.activityTaskCompletedEventAttributes?.scheduledEventId ?? '');
    const type = types.get(scheduled) ?? '?';
    return `activity: on the worker (${type.startsWith('mpdflow.') ? type : 'step'})`;
  }
  if (c === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) return 'server: result → next workflow task';
  return `${short(p)} → ${short(c)}`;
}

export interface RunTiming {
  totalMs: number;
  /** Milliseconds by what they were spent on. */
  parts: Map<string, number>;
  events: number;
}

/** The run's history, cut into named gaps. */
export async function runTiming(client: Client, workflowId: string): Promise<RunTiming> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const types = activityTypes(events);
  const parts = new Map<string, number>();
  // Events are appended in order, but an activity's started event is written with its completion: sort by time.
  const timeline = [...events].sort((a, b) => millis(a) - millis(b) || Number(a.eventId) - Number(b.eventId));
  const taskStarts = timeline.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const [firstTask, lastTask] = [taskStarts[0], taskStarts.at(-1)];
  for (let i = 1; i < timeline.length; i++) {
    let name = gapName(timeline[i - 1]!, timeline[i]!, types);
    // The first and last workflow tasks carry the start and completion bookkeeping: shown on their own.
    if (name === 'workflow task: on the worker' && timeline[i - 1] === firstTask) name = 'workflow task: on the worker (first)';
    else if (name === 'workflow task: on the worker' && timeline[i - 1] === lastTask) name = 'workflow task: on the worker (last)';
    parts.set(name, (parts.get(name) ?? 0) + millis(timeline[i]!) - millis(timeline[i - 1]!));
  }
  return { totalMs: millis(timeline.at(-1)!) - millis(timeline[0]!), parts, events: events.length };
}

/** The mean of each part over several runs. */
export function meanTiming(timings: RunTiming[]): RunTiming {
  const parts = new Map<string, number>();
  for (const timing of timings) for (const [name, ms] of timing.parts) parts.set(name, (parts.get(name) ?? 0) + ms / timings.length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { totalMs: mean(timings.map((t) => t.totalMs)), parts, events: mean(timings.map((t) => t.events)) };
}

/** Side-by-side table of named timings (mean ms per run). */
export function timingTable(columns: Record<string, RunTiming>): string {
  const names = [...new Set(Object.values(columns).flatMap((timing) => [...timing.parts.keys()]))].sort();
  const headers = Object.keys(columns);
  const rows = [
    ['part (mean ms per run)', ...headers],
    ...names.map((name) => [name, ...headers.map((h) => (columns[h]!.parts.get(name) ?? 0).toFixed(1))]),
    ['total (first event → last)', ...headers.map((h) => columns[h]!.totalMs.toFixed(1))],
    ['history events', ...headers.map((h) => columns[h]!.events.toFixed(0))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}
