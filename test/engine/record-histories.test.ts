/**
 * Records the replay-guard histories from real runs. Skipped unless MPDFLOW_RECORD_HISTORIES=1:
 *   MPDFLOW_RECORD_HISTORIES=1 npm test -- record-histories
 * then commit test/fixtures/histories/*.json.
 */
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client } from '@temporalio/client';
import { cancelFlow } from '../../src/temporal/flow-client';
import { flowWorkflowId, type ResourceRef } from '../../src/contract/flow-run';
import { projectRoot } from '../../src/infra/paths';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, runFlow, startTestWorker, waitForStep } from '../helpers/flows';

const dir = join(projectRoot, 'test', 'fixtures', 'histories');

async function save(client: Client, ref: ResourceRef, name: string): Promise<void> {
  const history = await client.workflow.getHandle(flowWorkflowId(ref)).fetchHistory();
  writeFileSync(join(dir, `${name}.json`), `${historyToJSON(history)}\n`);
}

test('record replay-guard histories', { skip: !process.env.MPDFLOW_RECORD_HISTORIES }, async () => {
  const taskQueue = testTaskQueue('record');
  const { client, close } = await temporalClient();
  const worker = await startTestWorker(taskQueue);
  try {
    const ns = await testNamespace('record');
    const ok = await createCluster(ns, 'pc-success');
    await (await runFlow(client, taskQueue, { flowName: 'TestRecord', resource: ok, params: { fromEvent: 'yes' }, state: 'Creating' })).result();
    await save(client, ok, 'success-TestRecord');

    const interrupted = await createCluster(ns, 'pc-interrupt');
    await (await runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: interrupted, state: 'Creating' })).result().catch(() => undefined);
    await save(client, interrupted, 'interrupt-TestInterrupt');

    const cancelled = await createCluster(ns, 'pc-cancel');
    const handle = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: cancelled, state: 'Creating' });
    await waitForStep(cancelled, 'Hold');
    await cancelFlow(client, cancelled, 'recording');
    await handle.result().catch(() => undefined);
    await save(client, cancelled, 'cancel-TestHold');

    const waited = await createCluster(ns, 'pc-flaky');
    await (await runFlow(client, taskQueue, { flowName: 'TestFlaky', resource: waited, params: { failTimes: 2 }, state: 'Creating' })).result();
    await save(client, waited, 'retry-TestFlaky');
  } finally {
    await worker.shutdown();
    await close();
  }
});
