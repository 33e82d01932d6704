import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { testTriggers as triggerAnnotations } from '../fixtures/test-operator-steps';
import { steer } from '../fixtures/test-operator-steps';
import { testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';

let ns: string;
let op: TestOperator;

before(async () => {
  ns = await testNamespace('cli');
  op = await startTestOperator(ns, { operatorName: 'polar-mpd' });
});
after(async () => op.stop());

const mpdflow = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_TASK_QUEUE: op.taskQueue },
  });

test('only clusters of this operator (spec.operatorName) are acted on', async () => {
  // Theirs first (by creation and by name): the controller sees it before ours, so a filter that let it through would
  // have written its status in a reconcile begun before ours' first, long before ours has run its create flow.
  const theirs = await createSampleCluster(ns, 'pc-a-theirs', { operatorName: 'someone-else' });
  const ours = await createSampleCluster(ns, 'pc-ours', { operatorName: 'polar-mpd' });
  await waitForState(ours, 'Running');
  assert.equal((await clusters().get(theirs)).status, undefined, 'a cluster of another operator is left alone');
});

test('mpdflow status, cancel and recover operate one cluster from the command line', async () => {
  const ref = await createSampleCluster(ns, 'pc-cli', { operatorName: 'polar-mpd' });
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'holding' });

  const running = await mpdflow('status', `${ns}/pc-cli`);
  assert.match(running.stdout, /state:\s+RestartCluster/);
  assert.match(running.stdout, /step:\s+2\/4 RestartCluster/);

  await mpdflow('cancel', `${ns}/pc-cli`);
  await waitForState(ref, 'Interrupt', 15_000);
  const interrupted = await mpdflow('status', `${ns}/pc-cli`);
  assert.match(interrupted.stdout, /interrupt: CANCELLED at RestartCluster: flow cancelled: mpdflow cancel \(previous state RestartCluster, recover=F\)/);
  assert.equal((await clusters().get(ref)).metadata.annotations?.[triggerAnnotations.restartCluster], undefined, 'the cancel consumed the restart request');

  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  await mpdflow('recover', `${ns}/pc-cli`, '--from-first');
  await waitForState(ref, 'Running');
  assert.equal((await clusters().get(ref)).metadata.annotations?.[interruptAnnotations.reason], undefined);
});

test('an Interrupt cluster with forceRebuild goes Interrupt → Rebuild → Running', async () => {
  const ref = await createSampleCluster(ns, 'pc-rebuild', { operatorName: 'polar-mpd' });
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' } } });
  await waitForState(ref, 'Interrupt');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: null, [triggerAnnotations.forceRebuild]: 'true' } } });
  await waitForState(ref, 'Running');
  const cluster = await clusters().get(ref);
  assert.equal(cluster.status?.workflow?.flowName, 'OpRebuild');
  assert.equal(cluster.metadata.annotations?.[triggerAnnotations.forceRebuild], undefined);
});
