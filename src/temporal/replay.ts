import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { flowWorkflowBundle } from './workflow-bundle';
import { installSdkRuntime } from './sdk-runtime';

type History = temporal.api.history.v1.IHistory;

export interface NamedHistory {
  /** The replay's name of the history, unique among those replayed together: the workflow id, or a file's name. */
  workflowId: string;
  history: History;
  /** A history read from a file: the file, and the workflow id the history records (when the server wrote it). */
  file?: { path: string; recordedWorkflowId?: string };
}

export interface ReplayOutcome {
  workflowId: string;
  ok: boolean;
  error?: string;
}

/**
 * A history file as `temporal workflow show --output json` writes it. Named by the file (two files may hold runs of
 * one workflow id); the workflow id its first event records is kept beside it, for people.
 */
export function readHistoryFile(path: string): NamedHistory {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { events?: Array<{ workflowExecutionStartedEventAttributes?: { workflowId?: unknown } }> };
  const recorded = Array.isArray(json.events) ? json.events[0]?.workflowExecutionStartedEventAttributes?.workflowId : undefined;
  return {
    workflowId: basename(path).replace(/\.json$/, ''),
    history: historyFromJSON(json),
    file: { path, ...(typeof recorded === 'string' ? { recordedWorkflowId: recorded } : {}) },
  };
}

/** How a person reads which history an outcome is about: the workflow id, and the file it came from. */
export function historyLabel(history: NamedHistory): string {
  if (!history.file) return history.workflowId;
  return `${history.file.recordedWorkflowId ?? '(no workflow id recorded)'}  (${history.file.path})`;
}

export function readHistoryDir(dir: string): NamedHistory[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => readHistoryFile(join(dir, file)));
}

export async function fetchHistory(client: Client, workflowId: string): Promise<NamedHistory> {
  return { workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() };
}

function workflowTypeOf(history: History): string {
  const name = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!name) throw new Error('the history does not start with WorkflowExecutionStarted');
  return name;
}

/**
 * Where a history stops replaying, in a person's words: the first scheduled activity of the type the error names.
 * The SDK's message names the recorded activity type but not its event id.
 */
export function describeDivergence(history: History, message: string): string {
  const detail = /Nondeterminism error: ([^"]+)/.exec(message)?.[1]?.trim() ?? /Details: (.*)$/m.exec(message)?.[1] ?? message.split('\n')[0]!;
  const named = /HistoryEvent\(id: (\d+), (\w+)\)/.exec(message);
  if (named) return `first event that no longer replays: #${named[1]} ${named[2]} (${detail})`;
  const recordedType = /scheduled event '([^']+)'/.exec(detail)?.[1];
  const event = recordedType ? history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === recordedType) : undefined;
  return event ? `first event that no longer replays: #${event.eventId} ActivityTaskScheduled ${recordedType} (${detail})` : detail;
}

/** Replays histories against the current workflow code (the successor of `tctl replay`). */
export async function replayHistories(histories: readonly NamedHistory[], options: { workflowBundle?: WorkflowBundle } = {}): Promise<ReplayOutcome[]> {
  if (histories.length === 0) return [];
  installSdkRuntime();
  const types = [...new Set(histories.map((h) => workflowTypeOf(h.history)))];
  const workflowBundle = options.workflowBundle ?? (await flowWorkflowBundle(types));
  const byId = new Map(histories.map((h) => [h.workflowId, h.history]));
  const outcomes: ReplayOutcome[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    outcomes.push(
      result.error
        ? { workflowId: result.workflowId, ok: false, error: describeDivergence(byId.get(result.workflowId) ?? {}, result.error.message) }
        : { workflowId: result.workflowId, ok: true },
    );
  }
  return outcomes;
}
