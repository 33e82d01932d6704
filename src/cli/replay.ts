import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import { clientConnectionOptions } from '../temporal/connection';
import { fetchHistory, historyLabel, readHistoryDir, readHistoryFile, replayHistories, type NamedHistory } from '../temporal/replay';

export interface ReplayOptions {
  workflowId?: string;
  file?: string;
  dir?: string;
}

/** `mpdflow replay`: the project's `tctl replay`; exit 1 naming each history the current code cannot replay. */
export async function replayCommand(options: ReplayOptions): Promise<void> {
  const histories: NamedHistory[] = [];
  if (options.file) histories.push(readHistoryFile(options.file));
  if (options.dir) histories.push(...readHistoryDir(options.dir));
  if (options.workflowId) {
    const config = configFromEnv();
    if (!config.temporal.address) throw new Error('--workflow-id needs TEMPORAL_ADDRESS');
    const connection = await Connection.connect(clientConnectionOptions(config.temporal));
    try {
      histories.push(await fetchHistory(new Client({ connection, namespace: config.temporal.namespace }), options.workflowId));
    } finally {
      await connection.close();
    }
  }
  if (histories.length === 0) throw new Error('give --workflow-id, --file or --dir');
  const outcomes = await replayHistories(histories);
  const byName = new Map(histories.map((h) => [h.workflowId, h]));
  for (const outcome of outcomes) {
    const label = historyLabel(byName.get(outcome.workflowId) ?? { workflowId: outcome.workflowId, history: {} });
    process.stdout.write(outcome.ok ? `ok      ${label}\n` : `FAILED  ${label}: ${outcome.error}\n`);
  }
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}
