/**
 * Records the replay guard's histories (test/helpers/histories.ts) from real runs. Skipped unless asked:
 *   MPDFLOW_RECORD_HISTORIES=1 npm test -- record-histories
 * then commit test/fixtures/histories/*.json. Each recording drives its run to the path it covers, by observing
 * the run (query, history), so a re-recording after a workflow change covers the same paths.
 */
import { test } from 'node:test';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { cancelSignal, progressQuery } from '../../src/contract/flow-run';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { bounded, waitFor } from '../helpers/bounded';
import { createCluster, openGate, runFlow, startTestWorker, waitForStep } from '../helpers/flows';
import { historiesDir, historyNames, type HistoryName } from '../helpers/histories';
import { isSharedHistory } from '../helpers/shared-histories';

interface Recording {
  client: Client;
  taskQueue: string;
  ns: string;
}

/** A run's end, whatever it is: recordings of interrupts and cancels end in a failure on purpose. */
const settled = (handle: WorkflowHandle) => bounded(`the run ${handle.workflowId} to close`, handle.result().catch(() => undefined), 120_000);
const waiting = (handle: WorkflowHandle) => waitFor(`${handle.workflowId} waiting`, async () => (await handle.query(progressQuery)).phase === 'waiting');

const recorders: Record<HistoryName, (r: Recording) => Promise<WorkflowHandle>> = {
  async 'success-TestRecord'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-success');
    return runFlow(client, taskQueue, { flowName: 'TestRecord', resource: ref, params: { fromEvent: 'yes' }, state: 'Creating' });
  },
  async 'interrupt-TestInterrupt'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-interrupt');
    return runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' });
  },
  async 'cancel-TestHold'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-cancel');
    const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
    await waitForStep(ref, 'Hold');
    await handle.signal(cancelSignal, 'recording');
    return handle;
  },
  async 'retry-TestFlaky'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-flaky');
    return runFlow(client, taskQueue, { flowName: 'TestFlaky', resource: ref, params: { failTimes: 2 }, state: 'Creating' });
  },
  async 'waiting-TestWaiting'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-waiting');
    const handle = await runFlow(client, taskQueue, { flowName: 'TestWaiting', resource: ref, state: 'Creating' });
    await waitFor('a wait timer fired', async () => ((await handle.query(progressQuery)).steps[0]?.waits ?? 0) >= 2);
    await openGate(ref, 'Wait');
    return handle;
  },
  async 'cancel-waiting-TestWaiting'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-cancel-waiting');
    // A long wait, so the cancel lands on the timer, not on an attempt.
    const handle = await runFlow(client, taskQueue, { flowName: 'TestWaiting', resource: ref, params: { waitMs: 600_000 }, state: 'Creating' });
    await waiting(handle);
    await handle.signal(cancelSignal, 'recording');
    return handle;
  },
  async 'resumed-TestInterrupt'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-resumed');
    await openGate(ref, 'Two');
    return runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating', resumeFrom: 'Two' });
  },
  async 'temporal-cancel-TestHold'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-temporal-cancel');
    const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
    await waitForStep(ref, 'Hold');
    await handle.cancel();
    return handle;
  },
  async 'lean-success-TestRecord'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-lean-success');
    return runFlow(client, taskQueue, { flowName: 'TestRecord', resource: ref, params: { fromEvent: 'yes' }, state: 'Creating' });
  },
  async 'lean-interrupt-TestInterrupt'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-lean-interrupt');
    return runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' });
  },
  async 'many-retry-TestFlaky'({ client, taskQueue, ns }) {
    const ref = await createCluster(ns, 'pc-many-retry');
    return runFlow(client, taskQueue, { flowName: 'TestFlaky', resource: ref, params: { failTimes: 11 }, state: 'Creating' });
  },
};

test('record replay-guard histories', { skip: !process.env.MPDFLOW_RECORD_HISTORIES, timeout: 600_000 }, async () => {
  const taskQueue = testTaskQueue('record');
  const { client, close } = await temporalClient();
  const worker = await startTestWorker(taskQueue);
  try {
    const ns = await testNamespace('record');
    // Only the listed histories remain: a dropped one must not linger and still be replayed. MPDFLOW_RECORD_HISTORIES
    // may name some (comma-separated) to record only those: the others were recorded by older code on purpose.
    const only = process.env.MPDFLOW_RECORD_HISTORIES === '1' ? undefined : process.env.MPDFLOW_RECORD_HISTORIES!.split(',');
    const names = only ? historyNames.filter((name) => only.includes(name)) : historyNames;
    // The shared flows' histories are the shared-flows scenario's to record (test/helpers/shared-histories.ts).
    for (const file of readdirSync(historiesDir).filter((f) => f.endsWith('.json') && !isSharedHistory(f))) {
      if (!only || names.includes(file.replace(/\.json$/, '') as HistoryName)) rmSync(join(historiesDir, file));
    }
    for (const name of names) {
      const handle = await recorders[name]({ client, taskQueue, ns });
      await settled(handle);
      writeFileSync(join(historiesDir, `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
      process.stdout.write(`# recorded ${name}\n`);
    }
  } finally {
    await worker.shutdown();
    await close();
  }
});
