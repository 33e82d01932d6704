import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, pauseUpdate, rejectUpdate, resumeUpdate } from '../../src/contract/holds';
import { progressQuery } from '../../src/contract/flow-run';
import { interruptAnnotations } from '../../src/kube/annotations';
import { waitUntil } from '../../src/infra/wait';
import { testNamespace } from '../helpers/stack';
import { createCluster, eventReasons, executionCounts, getCluster, openGate, runFlow, useEngineWorker } from '../helpers/flows';
import type { ResourceRef } from '../../src/contract/flow-run';

const env = useEngineWorker('holds');

async function waitForPhase(ref: ResourceRef, phase: string): Promise<void> {
  await waitUntil(async () => (await getCluster(ref)).status?.workflow?.phase === phase, { timeoutMs: 30_000, describe: () => `${ref.name} never reached phase ${phase}` });
}

const refused = (message: RegExp) => (error: unknown) => error instanceof WorkflowUpdateFailedError && message.test(String(error.cause?.message));

test('a step with approval waits, visibly, until approved; approve is refused when nothing waits and is recorded in history', async () => {
  const ref = await createCluster(await testNamespace('approve'), 'pc-approve');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestGated', resource: ref, state: 'Creating' });
  await waitForPhase(ref, 'AwaitingApproval');
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.workflow?.hold?.kind, 'approval');
  assert.equal(cluster.status?.workflow?.step, 'Switch');
  assert.deepEqual(await executionCounts(ref), { One: 1 }, 'the gated step has not run');
  assert.equal((await handle.query(progressQuery)).phase, 'awaitingapproval');
  await assert.rejects(handle.executeUpdate(resumeUpdate, { args: ['x'] }), refused(/not paused/));
  const answer = await handle.executeUpdate(approveUpdate, { args: ['looks good'] });
  assert.equal(answer.step, 'Switch');
  const result = await handle.result();
  assert.equal(result.phase, 'completed');
  assert.deepEqual(await executionCounts(ref), { One: 1, Switch: 1, Three: 1 });
  await assert.rejects(handle.executeUpdate(approveUpdate, { args: ['again'] }), (error: unknown) => error instanceof Error);
  const history = await handle.fetchHistory();
  const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  assert.equal(accepted.length, 1, 'the approve is in the history; the refused resume is not');
  assert.ok((await eventReasons(ref)).includes('FlowHeld'));
});

test('reject interrupts at the gated step with REJECTED, and nothing after it runs', async () => {
  const ref = await createCluster(await testNamespace('reject'), 'pc-reject');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestGated', resource: ref, state: 'Creating' });
  await waitForPhase(ref, 'AwaitingApproval');
  await handle.executeUpdate(rejectUpdate, { args: ['not tonight'] });
  await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError && /REJECTED/.test(String(error.cause?.message)));
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'REJECTED');
  assert.match(cluster.metadata.annotations?.[interruptAnnotations.message] ?? '', /not tonight/);
  assert.equal(cluster.status?.workflow?.failedStep, 'Switch');
  assert.deepEqual(await executionCounts(ref), { One: 1 });
});

test('pause holds a running flow before its next step; resume lets it finish; approve is refused while nothing waits', async () => {
  const ref = await createCluster(await testNamespace('pause'), 'pc-pause');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestHold', resource: ref, state: 'Creating' });
  await waitUntil(async () => (await getCluster(ref)).status?.workflow?.step === 'Hold', { timeoutMs: 30_000, describe: () => 'Hold never started' });
  await assert.rejects(handle.executeUpdate(approveUpdate, { args: ['x'] }), refused(/no step is waiting for approval/));
  await handle.executeUpdate(pauseUpdate, { args: ['maintenance'] });
  await assert.rejects(handle.executeUpdate(pauseUpdate, { args: ['twice'] }), refused(/paused already/));
  await openGate(ref, 'Hold');
  await waitForPhase(ref, 'Paused');
  const cluster = await getCluster(ref);
  assert.equal(cluster.status?.workflow?.hold?.step, 'Three');
  assert.equal(cluster.status?.workflow?.hold?.reason, 'maintenance');
  assert.deepEqual(await executionCounts(ref), { Hold: 1, One: 1 }, 'Three waits for the resume');
  await handle.executeUpdate(resumeUpdate, { args: ['done'] });
  assert.equal((await handle.result()).phase, 'completed');
  assert.deepEqual(await executionCounts(ref), { Hold: 1, One: 1, Three: 1 });
});
