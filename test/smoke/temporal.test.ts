import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../fixtures/smoke-activities';
import { temporalAddress, temporalClient, temporalNamespace, testTaskQueue } from '../helpers/stack';

test('a workflow calling two activities completes on the real Temporal server', async () => {
  const taskQueue = testTaskQueue('smoke');
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../fixtures/smoke-workflows.ts', import.meta.url)),
    activities,
  });
  const { client, close } = await temporalClient();
  try {
    const result = await worker.runUntil(
      client.workflow.execute('twoActivities', { taskQueue, workflowId: `smoke-${taskQueue}`, args: ['mpdflow'] }),
    );
    assert.equal(result, 'HELLO, MPDFLOW');
    const history = await client.workflow.getHandle(`smoke-${taskQueue}`).fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    assert.deepEqual(
      scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name),
      ['greet', 'shout'],
    );
  } finally {
    await close();
    await connection.close();
  }
});
