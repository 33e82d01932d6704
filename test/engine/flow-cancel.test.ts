import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { cancelSignal } from '../../src/contract/flow-run';
import { temporalBinary } from '../../src/infra/temporal-dev-server';
import { interruptAnnotations } from '../../src/kube/annotations';
import { waitUntil } from '../../src/infra/wait';
import { temporalAddress, temporalNamespace, testNamespace } from '../helpers/stack';
import { createCluster, getCluster, markers, runFlow, waitForStep, useEngineWorker } from '../helpers/flows';

const env = useEngineWorker('cancel');

async function expectCancelled(ref: Awaited<ReturnType<typeof createCluster>>, result: Promise<unknown>): Promise<void> {
  await assert.rejects(result, (error: unknown) => error instanceof WorkflowFailedError && /CANCELLED/.test(String(error.cause?.message)));
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  assert.equal(cluster.status?.workflow?.failedStep, 'Hold');
  assert.ok(!(await markers(ref)).has('Three'), 'no step runs after a cancel');
  assert.equal((await markers(ref)).get('One')?.length, 1);
}

test('a cancel signal stops the running step through its heartbeat and interrupts the cluster with CANCELLED', async () => {
  const ns = await testNamespace('cancel');
  const ref = await createCluster(ns, 'pc-cancel');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
  await waitForStep(ref, 'Hold');
  const sent = Date.now();
  await handle.signal(cancelSignal, 'test asked');
  await waitUntil(async () => (await markers(ref)).has('Hold-cancelled'), { timeoutMs: 10_000, describe: () => 'the step noticed the cancel' });
  const stoppedAfterMs = Number((await markers(ref)).get('Hold-cancelled')![0]!.cancelledAt) - sent;
  // The step's heartbeat timeout is 5 s (hold.yaml): the cancel must land well within it.
  assert.ok(stoppedAfterMs < 5_000, `the activity stopped ${stoppedAfterMs} ms after the cancel`);
  process.stdout.write(`# cancel-to-activity-stop: ${stoppedAfterMs} ms\n`);
  await expectCancelled(ref, handle.result());
});

test('the cancel signal works from `temporal workflow signal` as well', async () => {
  const ns = await testNamespace('cancel-cli');
  const ref = await createCluster(ns, 'pc-cancel');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
  await waitForStep(ref, 'Hold');
  await promisify(execFile)(await temporalBinary(), [
    'workflow', 'signal',
    '--address', temporalAddress(),
    '--namespace', temporalNamespace(),
    '--workflow-id', handle.workflowId,
    '--name', 'cancel',
    '--input', '"from the CLI"',
  ]);
  await expectCancelled(ref, handle.result());
});

test('a cancel from Temporal itself (Web UI, `temporal workflow cancel`) also interrupts with CANCELLED', async () => {
  const ns = await testNamespace('cancel-temporal');
  const ref = await createCluster(ns, 'pc-cancel');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
  await waitForStep(ref, 'Hold');
  await handle.cancel();
  await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError);
  assert.equal((await handle.describe()).status.name, 'CANCELLED');
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  assert.ok(!(await markers(ref)).has('Three'));
});
