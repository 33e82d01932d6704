/**
 * FlowStepStuck raised by the worker that ran a step is lowered when the step's end is handled by another worker
 * (the engine's hook activities run on any worker of the queue): finding 8 of issue 21.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { transitionWorkflowId, type StepInput } from '../../src/contract/flow-run';
import { setClusterCondition } from '../../src/kube/cluster-conditions';
import type { StepEstimates } from '../../src/worker/step-estimates';
import type { ClusterConditionWriter as StuckWatchWriter } from '../../src/worker/flow-resource';
import { stuckConditionType, StuckWatch } from '../../src/worker/stuck-watch';
import { clusters, createCluster, getCluster } from '../helpers/flows';
import { testNamespace } from '../helpers/stack';

/** Both workers learnt the same usual time: 100 ms for Hold. */
const estimates = { get: () => ({ medianMs: new Map([['Hold', 100]]) }) } as unknown as StepEstimates;
/** The worker's real condition writer, as MpdClusterFlowResource writes it (in the background). */
const writer = { setCondition: (ref: StepInput['resource'], change: Parameters<typeof setClusterCondition>[2]) => void setClusterCondition(clusters(), ref, change) };
const watch = () => new StuckWatch(estimates, writer, () => undefined, rootLogger.child({ component: 'stuck-test' }), { factor: 3, minMs: 0 });
const stuck = async (ref: StepInput['resource']) => (await getCluster(ref)).status?.conditions?.find((c) => c.type === stuckConditionType);

test('a step flagged stuck on worker A and ended on worker B: B lowers FlowStepStuck', async () => {
  const ns = await testNamespace('stuck-other');
  const ref = await createCluster(ns, 'pc-stuck-other');
  const [a, b] = [watch(), watch()];
  const input: StepInput = { flowName: 'TestHold', stepName: 'Hold', className: 'test.Hold', index: 2, total: 3, resource: ref, params: {}, values: {}, waitCount: 0 };
  const workflowId = `stuck-other-${ns}`;
  a.pulse(input, workflowId, Date.now() - 10_000);
  await waitUntil(async () => (await stuck(ref))?.status === 'True', { timeoutMs: 10_000, describe: () => 'A raised FlowStepStuck' });
  await b.hooks().onStepCompleted!({ resource: ref, flowName: 'TestHold', workflowId, runId: 'r', total: 3, stepName: 'Hold', index: 2, durationMs: 10_500 });
  await waitUntil(async () => (await stuck(ref))?.status === 'False', { timeoutMs: 10_000, describe: () => 'FlowStepStuck still True after the step ended on B' });
});

test('a stuck step whose last attempt ended quickly on worker B: FlowStepStuck is lowered when the flow ends there', async () => {
  const ns = await testNamespace('stuck-quick');
  const ref = await createCluster(ns, 'pc-stuck-quick');
  const [a, b] = [watch(), watch()];
  const input: StepInput = { flowName: 'TestHold', stepName: 'Hold', className: 'test.Hold', index: 2, total: 3, resource: ref, params: {}, values: {}, waitCount: 0 };
  const workflowId = `stuck-quick-${ns}`;
  a.pulse(input, workflowId, Date.now() - 10_000);
  await waitUntil(async () => (await stuck(ref))?.status === 'True', { timeoutMs: 10_000, describe: () => 'A raised FlowStepStuck' });
  const event = { resource: ref, flowName: 'TestHold', workflowId, runId: 'r', total: 3 };
  await b.hooks().onStepCompleted!({ ...event, stepName: 'Hold', index: 2, durationMs: 50 });
  await b.hooks().onFlowCompleted!(event);
  await waitUntil(async () => (await stuck(ref))?.status === 'False', { timeoutMs: 10_000, describe: () => 'FlowStepStuck still True after the flow ended on B' });
});

test("a run's FlowStepStuck writes hold only while the cluster is that run's: a late raise is dropped, a later run's is not lowered", async () => {
  const ns = await testNamespace('stuck-late');
  const ref = await createCluster(ns, 'pc-stuck-late', 'RestartCluster');
  const uid = (await getCluster(ref)).metadata.uid!;
  const [earlier, current] = [transitionWorkflowId(ref, uid, 1), transitionWorkflowId(ref, uid, 2)];
  await clusters().patchStatus(ref, { transition: { id: 2, from: 'Running', to: 'RestartCluster', flowName: 'OpRestart', event: 'RestartCluster', params: {}, resumes: 0, workflowId: current, interruptStreak: 0 } });
  // The writes awaited here, in order, so what each left is read before the next.
  let pending: Promise<void> = Promise.resolve();
  const awaited = { setCondition: (...args: Parameters<StuckWatchWriter['setCondition']>) => void (pending = setClusterCondition(clusters(), args[0], args[1], args[2])) };
  const awaitedWatch = () => new StuckWatch(estimates, awaited, () => undefined, rootLogger, { factor: 3, minMs: 0 });
  const input: StepInput = { flowName: 'OpRestart', stepName: 'Hold', className: 'test.Hold', index: 2, total: 3, resource: ref, params: {}, values: {}, waitCount: 0, state: 'RestartCluster' };
  const event = { resource: ref, flowName: 'OpRestart', runId: 'r', total: 3, stepName: 'Hold', index: 2 };

  awaitedWatch().pulse(input, earlier, Date.now() - 10_000);
  await pending;
  assert.equal(await stuck(ref), undefined, 'the earlier run, pulsing after the cluster moved on, raised nothing');

  awaitedWatch().pulse(input, current, Date.now() - 10_000);
  await pending;
  assert.equal((await stuck(ref))?.status, 'True', 'the current run raised it');

  await awaitedWatch().hooks().onStepCompleted!({ ...event, workflowId: earlier, durationMs: 10_500 });
  await pending;
  assert.equal((await stuck(ref))?.status, 'True', "the earlier run's late lowering left the current run's condition");

  await awaitedWatch().hooks().onStepCompleted!({ ...event, workflowId: current, durationMs: 10_500 });
  await pending;
  assert.equal((await stuck(ref))?.status, 'False', 'the current run lowered its own');
});
