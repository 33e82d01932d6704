/**
 * A RestartCluster cancelled while the writer's restart is under way (the HA manager goes on with it), then recovered:
 * the resumed run finishes only once every replica streams the writer's data again, and no committed row is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { FlowRuns } from '../../src/temporal/flow-runs';
import { podAnnotations } from '../../activities/shared/names';
import { sampleCluster } from '../fixtures/sample-cluster';
import { assertRowsKept, writeRows } from '../helpers/database';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { sharedOperatorSuite } from '../helpers/shared-operator';
import { kube } from '../helpers/stack';

const suite = sharedOperatorSuite('restart-cancel');

test('a restart cancelled during the writer restart, then recovered, ends with every replica streaming and every row kept', { timeout: 600_000 }, async () => {
  const ref = { namespace: suite.ns, name: 'pc-restart-cancel' };
  await clusters().create(sampleCluster(suite.ns, ref.name, { followerNum: 2 }));
  await waitForState(ref, 'Running', 120_000);
  await writeRows(suite.ns, ref.name, 'kept', 1, 100);
  await assertRowsKept(suite.ns, ref.name, 'kept', 100);

  const writer = (await clusters().get(ref)).status!.leaderInstanceId!;
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
  // The writer restarts last: its pod records the restart (the transition's key) just before the step asks for it.
  let workflowId = '';
  await waitUntil(async () => {
    workflowId = (await clusters().get(ref)).status?.transition?.workflowId ?? '';
    const pod = await kube().core.readNamespacedPod({ namespace: suite.ns, name: `${ref.name}-${writer}` });
    return /\/t\d+$/.test(workflowId) && (pod.metadata?.annotations?.[podAnnotations.restartToken] ?? '').startsWith(`${workflowId}@`);
  }, { timeoutMs: 60_000, intervalMs: 20, describe: () => `the restart never reached the writer ${writer}` });
  await new FlowRuns(suite.client).signalCancel(workflowId, 'cancelled by the test during the writer restart');
  await waitForState(ref, 'Interrupt', 60_000);

  await clusters().patch(ref, { metadata: { annotations: { [interruptAnnotations.recover]: 'T' } } });
  await waitUntil(async () => (await transitionRuns(suite.client, ref)).some((r) => r.type === 'SharedStorageClusterRestartCluster' && r.status === 'COMPLETED'), {
    timeoutMs: 180_000,
    describe: () => 'the recovered restart never completed',
  });
  await waitForState(ref, 'Running', 60_000);
  // Committed right after the flow said Running: every replica must be streaming already.
  await writeRows(suite.ns, ref.name, 'kept', 101, 150);
  await assertRowsKept(suite.ns, ref.name, 'kept', 150);
  assert.equal((await clusters().get(ref)).status?.leaderInstanceId, writer, 'a restart keeps the writer');
});
