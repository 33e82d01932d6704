/**
 * A request is consumed once (issue 21): a cancel, however it is sent, consumes the trigger of the transition it
 * interrupts, so the cancelled operation never runs again unasked; recovery still resumes that same transition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { cancelledAnnotation, interruptAnnotations } from '../../src/kube/annotations';
import { FlowRuns } from '../../src/temporal/flow-runs';
import { steer, testTriggers as triggers } from '../fixtures/test-operator-steps';
import { clusters, createSampleCluster, testOperatorSuite, transitionRuns, waitForState } from '../helpers/operator';

const suite = testOperatorSuite('cancel-consumes');

type Ref = { namespace: string; name: string };
const annotate = (ref: Ref, values: Record<string, string | null>) => clusters().patch(ref, { metadata: { annotations: values } });
const atStep = (ref: Ref, step: string) =>
  waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === step, { timeoutMs: 30_000, describe: () => `${ref.name} at step ${step}` });
const runIdOf = async (ref: Ref) => (await clusters().get(ref)).status!.transition!.workflowId;
const runs = async (ref: Ref) => (await transitionRuns(suite.client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`);

/** A RestartCluster held at its RestartCluster step, then cancelled by `cancel`. */
async function cancelHeldRestart(name: string, cancel: (ref: Ref) => Promise<unknown>) {
  const ref = await createSampleCluster(suite.ns, name);
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'RestartCluster', [triggers.restartCluster]: 'true' });
  await atStep(ref, 'RestartCluster');
  await cancel(ref);
  return { ref, interrupted: await waitForState(ref, 'Interrupt') };
}

const cancels: Record<string, (ref: Ref) => Promise<unknown>> = {
  'the cancel signal': async (ref) => new FlowRuns(suite.client).signalCancel(await runIdOf(ref), 'test cancels'),
  'the cancelled annotation': (ref) => annotate(ref, { [cancelledAnnotation]: 'true' }),
  'a Temporal cancel': async (ref) => suite.client.workflow.getHandle(await runIdOf(ref)).cancel(),
  'a Temporal terminate': async (ref) => suite.client.workflow.getHandle(await runIdOf(ref)).terminate('test terminates'),
};

for (const [how, cancel] of Object.entries(cancels)) {
  test(`${how} consumes the restart's trigger: the restart never runs again unasked`, async () => {
    const name = `pc-${how.replace(/^(the|a) /, '').replace(/\W+/g, '-').toLowerCase()}`;
    const { ref, interrupted } = await cancelHeldRestart(name, cancel);
    assert.equal(interrupted.metadata.annotations?.[triggers.restartCluster], undefined, 'the cancelled request is consumed');
    assert.deepEqual(interrupted.status?.transition?.trigger, { [triggers.restartCluster]: 'true' }, 'the transition still records what it consumed');
    // How the run closed: its own interrupt fails it; a Temporal cancel or terminate closes it as such.
    const closed = how.includes('terminate') ? 'TERMINATED' : how.includes('Temporal') ? 'CANCELLED' : 'FAILED';
    assert.deepEqual(await runs(ref), ['t1 OpCreate COMPLETED', `t2 OpRestart ${closed}`]);
  });
}

test('a cancelled restart stays recoverable: interrupt.recover resumes it at its failed step, once', async () => {
  const { ref } = await cancelHeldRestart('pc-cancel-recover', async (r) => new FlowRuns(suite.client).signalCancel(await runIdOf(r), 'test cancels'));
  await annotate(ref, { [steer.holdAt]: null, [interruptAnnotations.recover]: 'T' });
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.run === 't2-r1' && (await transitionRuns(suite.client, ref)).at(-1)?.status === 'COMPLETED', {
    timeoutMs: 30_000,
    describe: () => 'the recovered restart never completed',
  });
  const done = await waitForState(ref, 'Running');
  assert.equal(done.status?.transition?.resumeFrom, 'RestartCluster', 'resumed at the step the cancel stopped');
  assert.equal(done.metadata.annotations?.[triggers.restartCluster], undefined);
  // An unrelated request afterwards runs alone: no restart comes back with it.
  await annotate(ref, { [triggers.forceRebuild]: 'true' });
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.type === 'OpRebuild' && (await transitionRuns(suite.client, ref)).at(-1)?.status === 'COMPLETED', {
    timeoutMs: 30_000,
    describe: () => 'the rebuild never completed',
  });
  await waitForState(ref, 'Running');
  assert.deepEqual(await runs(ref), ['t1 OpCreate COMPLETED', 't2 OpRestart FAILED', 't2-r1 OpRestart COMPLETED', 't3 OpRebuild COMPLETED']);
});

test('a request written again while its flow runs survives the cancel: it is a new request', async () => {
  const { interrupted } = await cancelHeldRestart('pc-cancel-rewritten', async (ref) => {
    await annotate(ref, { [triggers.restartCluster]: '1' });
    await annotate(ref, { [cancelledAnnotation]: 'true' });
  });
  assert.equal(interrupted.metadata.annotations?.[triggers.restartCluster], '1', 'the newer request is kept');
});

test('a cancelled forceRebuild is consumed: no Rebuild starts again on its own; a new request runs once', async () => {
  const ref = await createSampleCluster(suite.ns, 'pc-cancel-rebuild');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'RebuildPods', [triggers.forceRebuild]: 'true' });
  // RebuildPods is the first step, shown with the transition before its run starts: the cancel waits for the run.
  await atStep(ref, 'RebuildPods');
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.run === 't2', { timeoutMs: 30_000, describe: () => 'the rebuild run never started' });
  await annotate(ref, { [cancelledAnnotation]: 'true' });
  const interrupted = await waitForState(ref, 'Interrupt');
  assert.equal(interrupted.metadata.annotations?.[triggers.forceRebuild], undefined, 'the cancelled rebuild request is consumed');
  assert.equal(interrupted.metadata.annotations?.[cancelledAnnotation], undefined, 'the cancel request is consumed');
  assert.deepEqual(await runs(ref), ['t1 OpCreate COMPLETED', 't2 OpRebuild FAILED'], 'no rebuild started again on its own');

  await annotate(ref, { [steer.holdAt]: null, [triggers.forceRebuild]: 'true' });
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).at(-1)?.run === 't3' && (await transitionRuns(suite.client, ref)).at(-1)?.status === 'COMPLETED', {
    timeoutMs: 30_000,
    describe: () => 'the new rebuild request never ran',
  });
  await waitForState(ref, 'Running');
  assert.deepEqual(await runs(ref), ['t1 OpCreate COMPLETED', 't2 OpRebuild FAILED', 't3 OpRebuild COMPLETED']);
});
