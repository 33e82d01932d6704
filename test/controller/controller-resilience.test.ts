import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import type { LocalStack } from '../../src/infra/local-stack';
import { waitUntil } from '../../src/infra/wait';
import { testTriggers as triggerAnnotations } from '../fixtures/test-operator-steps';
import { apiStatus } from '../../src/kube/client';
import type { MpdClusterClient, ClusterRef } from '../../src/kube/mpdcluster-client';
import { steer } from '../fixtures/test-operator-steps';
import { sampleCluster } from '../fixtures/sample-cluster';
import { temporalClient, testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, settledFlowRuns, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';
import { privateOperator } from '../helpers/private-operator';

test('50 concurrent writers of one cluster spec and annotations: no transition is lost', async () => {
  const { client, close } = await temporalClient();
  let op: TestOperator | undefined;
  try {
    const ns = await testNamespace('writers');
    op = await startTestOperator(ns);
    const ref = await createSampleCluster(ns, 'pc-busy');
    await waitForState(ref, 'Running');
    // 25 writers raise followerNum by one each (read-modify-write, conditional, retried on 409);
    // 25 writers set restartCluster and a marker annotation of their own (plain merge patches).
    const raise = async () => {
      for (;;) {
        const current = await clusters().get(ref);
        try {
          await clusters().patch(ref, { spec: { followerNum: (current.spec.followerNum ?? 0) + 1 } }, current.metadata.resourceVersion);
          return;
        } catch (error) {
          if (apiStatus(error) !== 409) throw error;
        }
      }
    };
    const annotate = (i: number) => clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true', [`writer-${i}`]: 'x' } } });
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? raise() : annotate(i))));

    await waitUntil(
      async () => {
        const c = await clusters().get(ref);
        return c.status?.clusterStatus === 'Running' && c.status.followerNum === 25 && c.metadata.annotations?.[triggerAnnotations.restartCluster] === undefined;
      },
      { timeoutMs: 120_000, describe: () => 'every write consumed: followers synced to 25, restart trigger cleared, Running' },
    );
    const final = await clusters().get(ref);
    assert.equal(final.spec.followerNum, 25);
    for (let i = 1; i < 50; i += 2) assert.equal(final.metadata.annotations?.[`writer-${i}`], 'x', `writer ${i}'s annotation kept`);
    const runs = await settledFlowRuns(client, ref);
    assert.ok(runs.some((r) => r.type === 'OpRestart'), 'a restart ran');
    assert.ok(runs.some((r) => r.type === 'OpAddRo'), 'an add-ro ran');
    assert.ok(runs.every((r) => r.status === 'COMPLETED'), JSON.stringify(runs));
  } finally {
    await op?.stop();
    await close();
  }
});

/** Whether a Temporal server answers at `address` now. */
async function answers(address: string): Promise<boolean> {
  // Closed whether or not it connected: a refused connect would otherwise leave its channel open.
  const connection = Connection.lazy({ ...closeSafeInterceptors(), address, connectTimeout: 1_000 });
  try {
    await connection.ensureConnected();
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

async function waitState(kube: MpdClusterClient, ref: ClusterRef, state: string, timeoutMs: number) {
  await waitUntil(async () => (await kube.get(ref)).status?.clusterStatus === state, { timeoutMs, describe: () => `${ref.name} never reached ${state}` });
}

async function createIn(stack: LocalStack, kube: MpdClusterClient, name: string): Promise<ClusterRef> {
  void stack;
  await kube.create(sampleCluster('default', name, { followerNum: 0 }));
  return { namespace: 'default', name };
}

test('an API server restart mid-flow: the flow completes and the informer sees what happens after', async () => {
  const op = await privateOperator('apiserver-restart');
  try {
    const ref = await createIn(op.stack, op.kube, 'pc-api');
    await waitState(op.kube, ref, 'Running', 60_000);
    await op.kube.patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [triggerAnnotations.restartCluster]: 'true' } } });
    await waitUntil(async () => (await op.kube.get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'holding' });
    await op.stack.kube.restartApiserver(3_000);
    await op.kube.patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
    await waitState(op.kube, ref, 'Running', 60_000);
    // A change made after the restart is seen: the informer came back.
    await op.kube.patch(ref, { spec: { followerNum: 1 } });
    await waitUntil(async () => (await op.kube.get(ref)).status?.followerNum === 1, { timeoutMs: 60_000, describe: () => 'add-ro after the restart' });
    await waitState(op.kube, ref, 'Running', 60_000);
    const types = (await settledFlowRuns(op.client, ref, { kube: op.kube })).map((r) => r.type);
    assert.deepEqual(types, ['OpCreate', 'OpRestart', 'OpAddRo']);
  } finally {
    await op.stop();
  }
});

test('the Temporal server down for 30 s mid-reconcile: the transition is kept and its flow starts once it is back', async () => {
  const op = await privateOperator('temporal-down');
  try {
    const ref = await createIn(op.stack, op.kube, 'pc-temporal');
    await waitState(op.kube, ref, 'Running', 60_000);
    await settledFlowRuns(op.client, ref, { kube: op.kube }); // the create flow closed, as visibility sees it
    const server = op.stack.temporal.process;
    let back = false;
    const restart = op.stack.temporal.restart(30_000).then(() => (back = true));
    // Down for sure: the server process has exited and a new connection is refused.
    await waitUntil(async () => server.hasExited && !(await answers(op.stack.temporal.address)), { timeoutMs: 30_000, describe: () => 'the Temporal server to be down' });
    await op.kube.patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
    await waitState(op.kube, ref, 'RestartCluster', 15_000);
    assert.equal(back, false, 'the transition was written while Temporal was still down');
    await restart;
    await waitState(op.kube, ref, 'Running', 120_000);
    const types = (await settledFlowRuns(op.client, ref, { kube: op.kube })).map((r) => r.type);
    assert.deepEqual(types, ['OpCreate', 'OpRestart']);
  } finally {
    await op.stop();
  }
});
