/**
 * Recorded histories of the shared-storage operator's flows: one completed run of every flow type in flows/shared,
 * recorded by the shared-flows scenario on the real servers (MPDFLOW_RECORD_SHARED_HISTORIES=1 npm test --
 * shared-flows) and replayed by the replay guard in every run.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { projectRoot } from '../../src/infra/paths';
import { historiesDir } from './histories';

const sharedFlowsDir = join(projectRoot, 'flows', 'shared');
const prefix = 'shared-';

/** Every flow type the shared-storage operator declares, read from its YAML (a new flow needs a recorded history). */
export function sharedFlowTypes(): string[] {
  return readdirSync(sharedFlowsDir)
    .filter((file) => file.endsWith('.yaml') && !file.endsWith('_step_group.yaml'))
    .map((file) => (parse(readFileSync(join(sharedFlowsDir, file), 'utf8')) as { flowName: string }).flowName)
    .sort();
}

export const sharedHistoryName = (flowType: string) => `${prefix}${flowType}`;
export const sharedHistoryNames = () => sharedFlowTypes().map(sharedHistoryName);
export const isSharedHistory = (name: string) => name.startsWith(prefix);

/** Writes the first completed run of each shared flow type the cluster went through; returns the types written. */
export async function recordSharedHistories(client: Client, ref: { namespace: string; name: string }): Promise<string[]> {
  const firstCompleted = new Map<string, { workflowId: string; runId: string; start: number }>();
  for await (const wf of client.workflow.list({ query: `MpdCluster = "${ref.name}" AND MpdNamespace = "${ref.namespace}" AND ExecutionStatus = "Completed"` })) {
    const known = firstCompleted.get(wf.type);
    if (!known || wf.startTime.getTime() < known.start) firstCompleted.set(wf.type, { workflowId: wf.workflowId, runId: wf.runId, start: wf.startTime.getTime() });
  }
  for (const file of readdirSync(historiesDir).filter((f) => isSharedHistory(f))) rmSync(join(historiesDir, file));
  const written: string[] = [];
  for (const type of sharedFlowTypes()) {
    const run = firstCompleted.get(type);
    if (!run) continue;
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    writeFileSync(join(historiesDir, `${sharedHistoryName(type)}.json`), `${historyToJSON(history)}\n`);
    written.push(type);
  }
  return written;
}
