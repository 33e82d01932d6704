/** Each transition runs its flow exactly once: cancel, recovery, closed runs and racing controllers (issue 9). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { releaseWorkflowId, type FlowProgress } from '../../src/contract/flow-run';
import { startController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { testTriggers as triggerAnnotations } from '../fixtures/test-operator-steps';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { steer } from '../fixtures/test-operator-steps';
import { temporalClient, testNamespace } from '../helpers/stack';
import { eventReasons } from '../helpers/flows';
import {
  clusters,
  createSampleCluster,
  flowRuns,
  startTestOperator,
  transitionRuns,
  waitForState,
  waitUntilGone,
  type TestOperator,
} from '../helpers/operator';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('exactly-once');
  op = await startTestOperator(ns);
});
after(async () => {
  await op.stop();
  await close();
});

const annotate = (ref: { namespace: string; name: string }, values: Record<string, string | null>) => clusters().patch(ref, { metadata: { annotations: values } });
const atStep = (ref: { namespace: string; name: string }, step: string) =>
  waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === step, { timeoutMs: 30_000, describe: () => `${ref.name} at step ${step}` });
const outcomes = async (workflowId: string) => (await client.workflow.getHandle(workflowId).query<FlowProgress>('progress')).steps.map((s) => `${s.stepName}:${s.outcome}`);
/** Waits until the cluster's newest run is `run` (e.g. `t2`, `t2-r1`) and it completed. */
const lastRunCompleted = (ref: { namespace: string; name: string }, run: string) =>
  waitUntil(
    async () => {
      const last = (await transitionRuns(client, ref)).at(-1);
      return last?.run === run && last.status === 'COMPLETED';
    },
    { timeoutMs: 30_000, describe: () => `${ref.name}: ${run} never completed` },
  );
const runIdOf = async (ref: { namespace: string; name: string }) => (await clusters().get(ref)).status!.transition!.workflowId;

// A cancel during a Rebuild: test/controller/cancel-consumes.test.ts (the request is consumed, a new one runs once).

test('a recovered flow resumes at its failed step even when its trigger is gone; the next run of that flow runs every step', async () => {
  const ref = await createSampleCluster(ns, 'pc-resume');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.interruptAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' });
  await waitForState(ref, 'Interrupt');
  // The checker would not fire any more: recovery must not depend on it.
  await annotate(ref, { [steer.interruptAt]: null, [triggerAnnotations.restartCluster]: null, [interruptAnnotations.recover]: 'T' });
  await waitUntil(async () => (await transitionRuns(client, ref)).at(-1)?.status === 'COMPLETED' && (await transitionRuns(client, ref)).length === 3, {
    timeoutMs: 30_000,
    describe: () => 'the resumed run completed',
  });
  await waitForState(ref, 'Running');
  assert.deepEqual((await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`), ['t1 OpCreate COMPLETED', 't2 OpRestart FAILED', 't2-r1 OpRestart COMPLETED']);
  assert.deepEqual(await outcomes(await runIdOf(ref)), ['DisableHA:skipped', 'RestartCluster:completed', 'CleanAllTempMeta:completed', 'UpdateRunningStatus:completed']);

  await annotate(ref, { [triggerAnnotations.restartCluster]: 'true' });
  await lastRunCompleted(ref, 't3');
  assert.equal((await clusters().get(ref)).status?.transition?.resumeFrom, '', 'no recovery point leaks into a later transition');
  assert.deepEqual(await outcomes(await runIdOf(ref)), ['DisableHA:completed', 'RestartCluster:completed', 'CleanAllTempMeta:completed', 'UpdateRunningStatus:completed']);
});

test('recovery from the first step (interrupt.recover=from-first) runs every step again', async () => {
  const ref = await createSampleCluster(ns, 'pc-from-first');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.interruptAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' });
  await waitForState(ref, 'Interrupt');
  await annotate(ref, { [steer.interruptAt]: null, [interruptAnnotations.recover]: 'from-first' });
  await lastRunCompleted(ref, 't2-r1');
  assert.deepEqual(await outcomes(await runIdOf(ref)), ['DisableHA:completed', 'RestartCluster:completed', 'CleanAllTempMeta:completed', 'UpdateRunningStatus:completed']);
});

test('a run terminated from Temporal leaves the cluster in Interrupt at its step, never a silent restart; recovery resumes there', async () => {
  const ref = await createSampleCluster(ns, 'pc-terminated');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' });
  await atStep(ref, 'RestartCluster');
  await client.workflow.getHandle(await runIdOf(ref)).terminate('an operator pressed terminate');
  const interrupted = await waitForState(ref, 'Interrupt');
  assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.reason], 'TERMINATED');
  assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.previousStatus], 'RestartCluster');
  assert.equal(interrupted.status?.workflow?.failedStep, 'RestartCluster');
  assert.deepEqual((await transitionRuns(client, ref)).map((r) => r.status), ['COMPLETED', 'TERMINATED'], 'nothing restarted it');

  await annotate(ref, { [steer.holdAt]: null, [interruptAnnotations.recover]: 'T' });
  await waitForState(ref, 'Running');
  await waitUntil(async () => (await transitionRuns(client, ref)).at(-1)?.status === 'COMPLETED', { timeoutMs: 30_000, describe: () => 'resumed run done' });
  assert.deepEqual(await outcomes(await runIdOf(ref)), ['DisableHA:skipped', 'RestartCluster:completed', 'CleanAllTempMeta:completed', 'UpdateRunningStatus:completed']);
});

test('deleting a cluster cancels its running flow, then runs the release flow once', async () => {
  const ref = await createSampleCluster(ns, 'pc-delete-running');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' });
  await atStep(ref, 'RestartCluster');
  const cluster = await clusters().get(ref);
  const running = cluster.status!.transition!.workflowId;
  await clusters().delete(ref);
  await waitUntilGone(ref, 30_000);
  const restart = await client.workflow.getHandle(running).describe();
  assert.equal(restart.status.name, 'FAILED', 'the running flow was cancelled (interrupted), not left to finish');
  const progress = await client.workflow.getHandle(running).query<FlowProgress>('progress');
  assert.equal(progress.interrupt?.reason, 'CANCELLED');
  const release = await client.workflow.getHandle(releaseWorkflowId(ref, cluster.metadata.uid!)).describe();
  assert.equal(release.status.name, 'COMPLETED');
});

test('a cancel request with nothing running is consumed and reported, and never cancels a later flow', async () => {
  const ref = await createSampleCluster(ns, 'pc-cancel-idle');
  await waitForState(ref, 'Running');
  await annotate(ref, { cancelled: 'true' });
  await waitUntil(async () => (await clusters().get(ref)).metadata.annotations?.cancelled === undefined, { timeoutMs: 15_000, describe: () => 'request consumed' });
  assert.ok((await eventReasons(ref)).includes('CancelIgnored'));
  await annotate(ref, { [triggerAnnotations.restartCluster]: 'true' });
  await lastRunCompleted(ref, 't2');
});

test('a state whose flow no flow file defines is reported as UnknownFlow, once', async () => {
  const other = await testNamespace('unknown-flow');
  const operator = prepareOperator(controllerTestOperator);
  const withoutRestart = { ...operator, flows: new Map([...operator.flows].filter(([name]) => name !== 'OpRestart')) };
  const config = configFromEnv();
  config.temporal.taskQueue = op.taskQueue;
  const controller = await startController({ config, operator: withoutRestart, namespaces: [other], leaderElection: false, log: rootLogger.child({ test: other }) });
  try {
    const ref = await createSampleCluster(other, 'pc-unknown-flow');
    await waitForState(ref, 'Running');
    await annotate(ref, { [triggerAnnotations.restartCluster]: 'true' });
    await waitUntil(async () => (await clusters().get(ref)).status?.conditions?.some((c) => c.reason === 'UnknownFlow') ?? false, { timeoutMs: 15_000, describe: () => 'UnknownFlow' });
    const condition = (await clusters().get(ref)).status?.conditions?.find((c) => c.type === 'InputValid');
    assert.match(condition?.message ?? '', /state RestartCluster runs flow OpRestart, which no flow file defines/);
    assert.equal((await eventReasons(ref)).filter((r) => r === 'UnknownFlow').length, 1);
  } finally {
    await controller.stop();
  }
});

test('two controllers acting at once (no leader election) still run each transition exactly once', async () => {
  const other = await testNamespace('two-actors');
  const operator = prepareOperator(controllerTestOperator);
  const config = configFromEnv();
  config.temporal.taskQueue = op.taskQueue;
  const start = (label: string) =>
    startController({ config, operator, namespaces: [other], leaderElection: false, relistEveryMs: 1_000, log: rootLogger.child({ test: other, controller: label }) });
  const [a, b] = await Promise.all([start('a'), start('b')]);
  try {
    const ref = await createSampleCluster(other, 'pc-racing');
    await waitForState(ref, 'Running');
    await annotate(ref, { [triggerAnnotations.restartCluster]: 'true' });
    await lastRunCompleted(ref, 't2');
    await clusters().patch(ref, { spec: { followerNum: 1 } });
    await lastRunCompleted(ref, 't3');
    await waitForState(ref, 'Running');
    assert.deepEqual((await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type}`), ['t1 OpCreate', 't2 OpRestart', 't3 OpAddRo']);
    // Visibility too (eventually consistent: wait for the three, then there must be no fourth).
    await waitUntil(async () => (await flowRuns(client, ref)).filter((r) => r.status === 'COMPLETED').length >= 3, { timeoutMs: 15_000, describe: () => 'visibility' });
    assert.equal((await flowRuns(client, ref)).length, 3);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a Rebuild that keeps failing backs off instead of looping', async () => {
  const ref = await createSampleCluster(ns, 'pc-rebuild-loop');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.interruptAt]: 'RebuildPods', [triggerAnnotations.forceRebuild]: 'true' });
  await waitUntil(async () => (await transitionRuns(client, ref)).length >= 5, { timeoutMs: 60_000, describe: () => 'four rebuilds' });
  await annotate(ref, { [steer.interruptAt]: null });
  const times = async (run: string) => {
    const d = await client.workflow.getHandle(`${(await runIdOf(ref)).replace(/\/t\d+(-r\d+)?$/, '')}/${run}`).describe();
    return { start: d.startTime.getTime(), close: d.closeTime?.getTime() ?? 0 };
  };
  const [t3, t4, t5] = [await times('t3'), await times('t4'), await times('t5')];
  // Gaps between an interrupted rebuild and the next one grow: none, then ≥ 2 s, then ≥ 4 s (minus the run's close).
  assert.ok(t4.start - t3.close >= 1_500, `t4 started ${t4.start - t3.close} ms after t3 closed`);
  assert.ok(t5.start - t4.close >= 3_500, `t5 started ${t5.start - t4.close} ms after t4 closed`);
  assert.equal((await clusters().get(ref)).status?.transition?.interruptStreak !== undefined, true);
});

test('an unfinished run of the transition before finishes first; ignoreUnCompleted (Rebuild) replaces it instead', async () => {
  const ref = await createSampleCluster(ns, 'pc-unfinished');
  await waitForState(ref, 'Running');
  // An AddRo held at its first step; a restart requested; then the state forced back to Running by hand under it.
  await annotate(ref, { [steer.holdAt]: 'CreateRo' });
  await clusters().patch(ref, { spec: { followerNum: 1 } });
  await atStep(ref, 'CreateRo');
  const addRo = await runIdOf(ref);
  await annotate(ref, { [triggerAnnotations.restartCluster]: 'true' });
  await clusters().patchStatus(ref, { clusterStatus: 'Running' });
  await waitUntil(async () => (await clusters().get(ref)).status?.transition?.flowName === 'OpRestart', { timeoutMs: 15_000, describe: () => 'restart recorded' });
  const restart = await runIdOf(ref);
  await annotate(ref, { [steer.holdAt]: null });
  await waitUntil(async () => (await transitionRuns(client, ref)).some((r) => r.run === 't3' && r.status === 'COMPLETED'), { timeoutMs: 30_000, describe: () => 'restart done' });
  const [first, second] = [await client.workflow.getHandle(addRo).describe(), await client.workflow.getHandle(restart).describe()];
  assert.equal(first.status.name, 'COMPLETED');
  assert.ok(first.closeTime!.getTime() <= second.startTime.getTime(), 'the restart started only after the unfinished AddRo had closed');

  // Same again, but the next state replaces what is unfinished.
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'CreateRo' });
  await clusters().patch(ref, { spec: { followerNum: 2 } });
  await waitUntil(async () => (await clusters().get(ref)).status?.transition?.id === 4, { timeoutMs: 15_000, describe: () => 'second add-ro recorded' });
  await atStep(ref, 'CreateRo');
  const secondAddRo = await runIdOf(ref);
  await annotate(ref, { [triggerAnnotations.forceRebuild]: 'true' });
  await clusters().patchStatus(ref, { clusterStatus: 'Running' });
  await waitUntil(async () => (await transitionRuns(client, ref)).some((r) => r.type === 'OpRebuild' && r.status === 'COMPLETED'), { timeoutMs: 30_000, describe: () => 'rebuild done' });
  assert.equal((await client.workflow.getHandle(secondAddRo).describe()).status.name, 'TERMINATED', 'the rebuild replaced the unfinished AddRo');
  await annotate(ref, { [steer.holdAt]: null });
});
