/**
 * A cancel recorded before its run starts sticks (issue 21, finding 5): the controller records it in two writes (the
 * interrupt annotations, then the state); a controller cut off between them leaves the cluster in its unstable state
 * with the interrupt annotations and the request. The next reconcile finishes the cancel; it never starts the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transitionWorkflowId } from '../../src/contract/flow-run';
import { waitUntil } from '../../src/infra/wait';
import { cancelledAnnotation, interruptAnnotations } from '../../src/kube/annotations';
import { testTriggers as triggers } from '../fixtures/test-operator-steps';
import { clusters, createSampleCluster, testOperatorSuite, transitionRuns } from '../helpers/operator';

// Acts only on clusters of this operator: the test sets the cluster up first, as the cut-off controller left it.
const suite = testOperatorSuite('cancel-before-run', { operatorName: 'polar-mpd' });

test('a cancel cut off between its interrupt annotations and its state write is finished, and the run never starts', async () => {
  const ref = await createSampleCluster(suite.ns, 'pc-half-cancel', { operatorName: 'not-yet' });
  const uid = (await clusters().get(ref)).metadata.uid!;
  // What the first write left: the interrupt annotations (the trigger already consumed), the request still there.
  await clusters().patch(ref, {
    metadata: {
      annotations: {
        [cancelledAnnotation]: 'true',
        [interruptAnnotations.recover]: 'F',
        [interruptAnnotations.reason]: 'CANCELLED',
        [interruptAnnotations.message]: 'flow cancelled before it started: annotation cancelled=true',
        [interruptAnnotations.previousStatus]: 'RestartCluster',
      },
    },
  });
  await clusters().patchStatus(ref, {
    clusterStatus: 'RestartCluster',
    transition: {
      id: 1, from: 'Running', to: 'RestartCluster', flowName: 'OpRestart', event: 'RestartCluster', params: {}, resumes: 0,
      trigger: { [triggers.restartCluster]: 'true' }, workflowId: transitionWorkflowId(ref, uid, 1), interruptStreak: 0,
    },
  });
  await clusters().patch(ref, { spec: { operatorName: 'polar-mpd' } });

  await waitUntil(async () => ['Interrupt', 'Running'].includes((await clusters().get(ref)).status?.clusterStatus ?? ''), {
    timeoutMs: 30_000,
    describe: () => 'the controller never acted on the half-recorded cancel',
  });
  const cluster = await clusters().get(ref);
  assert.equal(cluster.status?.clusterStatus, 'Interrupt', 'the cancel was finished, not cleared away');
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');
  await waitUntil(async () => (await clusters().get(ref)).metadata.annotations?.[cancelledAnnotation] === undefined, { timeoutMs: 15_000, describe: () => 'request consumed' });
  assert.deepEqual(await transitionRuns(suite.client, ref), [], 'the cancelled run never started');
});
