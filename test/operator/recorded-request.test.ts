/**
 * A step acts on the request its transition recorded, never on the annotation as it is now (issue 21): a removeIns
 * rewritten while its RemoveRo waits removes the instance first asked for, and the rewritten request runs next.
 * The RemoveRo step waits for approval here (a copy of the flows with an approval gate), so the rewrite lands before it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { cancelledAnnotation, interruptAnnotations } from '../../src/kube/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { transitionStepExecutions } from '../helpers/step-executions';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { approve, awaitingApproval, gatedFlows } from './support/approval-gates';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
const removeRoSteps = ['DisableHA', 'RemoveRo', 'EnableHA', 'CleanAllTempMeta', 'UpdateRunningStatus'];

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('recorded-request');
  op = await startSharedOperator(ns, { flowsDir: gatedFlows({ 'remove_ro.yaml': 'RemoveRo' }) });
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
  await close();
});

test('removeIns rewritten while its RemoveRo waits: the recorded instance goes, then the rewritten one', { timeout: 600_000 }, async () => {
  const ref = { namespace: ns, name: 'pc-recorded' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 2 }));
  await waitForState(ref, 'Running', 180_000);
  assert.deepEqual(Object.keys((await clusters().get(ref)).status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-2', 'ins-3']);

  // One RO at a time: followerNum goes down by one with each removeIns.
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.removeIns]: 'ins-2' } }, spec: { followerNum: 1 } });
  const first = await awaitingApproval(ref, 2);
  assert.equal(first.status?.transition?.trigger?.[triggerAnnotations.removeIns], 'ins-2');
  // The request is rewritten while its flow waits: it names the other RO now.
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.removeIns]: 'ins-3' } } });
  await approve(client, first);

  // The rewritten request is the next transition's; it waits at its own gate, so what the first removed shows here.
  const second = await awaitingApproval(ref, 3);
  assert.equal(second.status?.transition?.trigger?.[triggerAnnotations.removeIns], 'ins-3');
  assert.deepEqual(Object.keys(second.status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-3'], 'the first RemoveRo removed ins-2, the instance its transition recorded');

  await clusters().patch(ref, { spec: { followerNum: 0 } });
  await approve(client, second);
  await waitUntil(
    async () => {
      const cluster = await clusters().get(ref);
      return cluster.status?.transition?.id === 3 && cluster.status.clusterStatus === 'Running' && cluster.metadata.annotations?.[triggerAnnotations.removeIns] === undefined;
    },
    { timeoutMs: 120_000, describe: () => 'the rewritten removeIns never completed' },
  );
  assert.deepEqual(Object.keys((await clusters().get(ref)).status?.dbInstanceStatus ?? {}), ['ins-1']);
  // Each step of each RemoveRo ran once: the approval gate and the rewrite ran none of them again.
  const uid = (await clusters().get(ref)).metadata.uid ?? '';
  for (const id of [2, 3]) {
    const { runs, executions } = await transitionStepExecutions(client, { ...ref, uid }, id);
    const steps = Object.fromEntries(Object.entries(executions).filter(([type]) => type.startsWith('workflow_shared.')));
    assert.equal(runs, 1, `transition ${id} had one run`);
    assert.deepEqual(steps, Object.fromEntries(removeRoSteps.map((step) => [`workflow_shared.${step}`, 1])), `transition ${id} ran each step once`);
  }
  assert.deepEqual(
    (await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`),
    ['t1 CreateSharedStorageCluster COMPLETED', 't2 SharedStorageClusterRemoveRo COMPLETED', 't3 SharedStorageClusterRemoveRo COMPLETED'],
  );
});

test('removeIns cancelled while its RemoveRo waits, then recovered: the resumed run removes the instance its transition recorded', { timeout: 600_000 }, async () => {
  const ref = { namespace: ns, name: 'pc-cancel-remove' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 1 }));
  await waitForState(ref, 'Running', 180_000);
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.removeIns]: 'ins-2' } }, spec: { followerNum: 0 } });
  await awaitingApproval(ref, 2);
  await clusters().patch(ref, { metadata: { annotations: { [cancelledAnnotation]: 'true' } } });
  const interrupted = await waitForState(ref, 'Interrupt', 120_000);
  assert.equal(interrupted.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  assert.equal(interrupted.metadata.annotations?.[triggerAnnotations.removeIns], undefined, 'the cancel consumed the request');

  // The recovery resumes the recorded transition at RemoveRo, whose gate waits again.
  await clusters().patch(ref, { metadata: { annotations: { [interruptAnnotations.recover]: 'T' } } });
  let resumed = interrupted;
  await waitUntil(async () => (resumed = await clusters().get(ref)).status?.workflow?.phase === 'AwaitingApproval' && /-r1$/.test(resumed.status?.workflow?.workflowId ?? ''), {
    timeoutMs: 120_000,
    describe: () => `the resumed run never reached its gate: ${JSON.stringify(resumed.status?.workflow)}`,
  });
  await approve(client, resumed);
  const done = await waitForState(ref, 'Running', 120_000);
  assert.deepEqual(Object.keys(done.status?.dbInstanceStatus ?? {}), ['ins-1'], 'the recovered RemoveRo removed ins-2, as its transition recorded');
});
