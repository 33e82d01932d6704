/**
 * Bad input written while a flow runs is reported at once (issue 21): InputValid=False and one Warning Event within
 * 5 s, and the flow goes on. Once the flow is done the refusal holds the cluster at rest until the input is fixed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { cancelledAnnotation } from '../../src/kube/annotations';
import { steer, testTriggers as triggers } from '../fixtures/test-operator-steps';
import { clusters, createSampleCluster, testOperatorSuite, transitionRuns, waitForState } from '../helpers/operator';
import { inputValid, waitReported, warningEvents } from '../operator/support/refusals';

const suite = testOperatorSuite('bad-input-during-flow');

type Ref = { namespace: string; name: string };
const annotate = (ref: Ref, values: Record<string, string | null>) => clusters().patch(ref, { metadata: { annotations: values } });
const atStep = (ref: Ref, step: string) =>
  waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === step, { timeoutMs: 30_000, describe: () => `${ref.name} at step ${step}` });
const runs = async (ref: Ref) => (await transitionRuns(suite.client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`);

test('a cancel that means nothing, written during a flow: reported within 5 s, the flow goes on; at rest it holds until fixed', async () => {
  const ref = await createSampleCluster(suite.ns, 'pc-bad-cancel');
  await waitForState(ref, 'Running');
  await annotate(ref, { [steer.holdAt]: 'RestartCluster', [triggers.restartCluster]: 'true' });
  await atStep(ref, 'RestartCluster');

  const writtenAt = Date.now();
  await annotate(ref, { [cancelledAnnotation]: 'yes' });
  const expect = /annotation cancelled must be "true"/;
  const reported = await waitReported(ref, expect, writtenAt);
  assert.equal(reported.status?.clusterStatus, 'RestartCluster', 'the flow was not stopped by the report');

  // The flow goes on and completes; at rest the refusal stands until the input is fixed.
  await annotate(ref, { [steer.holdAt]: null });
  await waitUntil(async () => (await runs(ref)).includes('t2 OpRestart COMPLETED'), { timeoutMs: 30_000, describe: () => 'the held restart never completed' });
  const done = await waitForState(ref, 'Running');
  assert.equal(inputValid(done)?.status, 'False', 'still refused at rest');
  // Fixed: the refusal is cleared and requests run again.
  await annotate(ref, { [cancelledAnnotation]: null });
  await waitUntil(async () => inputValid(await clusters().get(ref))?.status !== 'False', { timeoutMs: 20_000, describe: () => 'the refusal stayed after the fix' });
  await annotate(ref, { [triggers.restartCluster]: 'true' });
  await waitUntil(async () => (await runs(ref)).includes('t3 OpRestart COMPLETED'), { timeoutMs: 30_000, describe: () => 'a restart asked after the fix never ran' });
  assert.equal(await warningEvents(ref, expect), 1, 'one Event for the one refusal');
  assert.deepEqual(await runs(ref), ['t1 OpCreate COMPLETED', 't2 OpRestart COMPLETED', 't3 OpRestart COMPLETED']);
});
