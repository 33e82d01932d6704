/**
 * The HA manager outside any flow, as users rely on it: the writer killed or gone, `<name>-rw` takes commits again
 * within 15 s, the status names the writer, and no acknowledged commit is lost; with HA paused, nothing is promoted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { patroni } from '../../activities/shared/patroni';
import { haManagerPid, postmasterPid } from '../helpers/engine-process';
import { engineQuery } from '../helpers/engine';
import { clusters, waitForState } from '../helpers/operator';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { ackedRowsOnEveryInstance, startWriterLoop } from '../helpers/writer-loop';
import { startExtraNode } from '../helpers/extra-node';
import { heartbeatsOf, setPaused } from '../helpers/ha-pause';

const failoverBoundMs = 15_000;
let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('failover');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

const rolePods = async (name: string, role: string) =>
  (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: `mpd.polardb.aliyun.com/cluster=${name},mpd.polardb.aliyun.com/role=${role}` })).items.filter((p) => !p.metadata?.deletionTimestamp);

async function runningCluster(name: string): Promise<void> {
  await clusters().create(sampleCluster(ns, name, { followerNum: 1 }));
  await waitForState({ namespace: ns, name }, 'Running', 240_000);
}

/** `timeoutMs` also covers the pods of a deleted node, which the pod GC collects only after its quarantine (40 s). */
async function assertNoAckedCommitLost(name: string, acked: number[], timeoutMs = 30_000): Promise<void> {
  let found = new Map<string, number>();
  await waitUntil(async () => [...(found = await ackedRowsOnEveryInstance(ns, name, 'writes', acked)).values()].every((n) => n === acked.length), {
    timeoutMs,
    describe: () => `acknowledged ${acked.length}; found ${JSON.stringify(Object.fromEntries(found))}`,
  });
}

test('the RW postmaster killed (kill -9 from the host): -rw takes commits again within 15 s, nothing acknowledged lost', { timeout: 600_000 }, async () => {
  const name = 'fo-kill';
  await runningCluster(name);
  const writer = await startWriterLoop(ns, name, 'writes');
  try {
    await writer.firstAckSince(Date.now(), 30_000);
    const pid = await postmasterPid(ns, `${name}-ins-1`);
    assert.ok(pid, 'the RW has a postmaster');
    const killedAt = Date.now();
    process.kill(Number(pid), 'SIGKILL');
    const back = await writer.firstAckAfterFailureSince(killedAt, 60_000);
    assert.ok(back - killedAt <= failoverBoundMs, `writes resumed ${back - killedAt} ms after the kill (bound ${failoverBoundMs} ms)`);
  } finally {
    await writer.stop();
  }
  const leader = (await rolePods(name, 'master')).map((p) => p.metadata?.labels?.['mpd.polardb.aliyun.com/ins-id']);
  assert.equal(leader.length, 1, 'one writer');
  await waitUntil(async () => (await clusters().get({ namespace: ns, name })).status?.leaderInstanceId === leader[0], { timeoutMs: 15_000, describe: () => 'the status names the writer' });
  await assertNoAckedCommitLost(name, writer.acked.map((a) => a.id));
});

test('the RW pod deleted: the RO is promoted, -rw and the status follow within 15 s, nothing acknowledged lost', { timeout: 600_000 }, async () => {
  const name = 'fo-gone';
  await runningCluster(name);
  const writer = await startWriterLoop(ns, name, 'writes');
  try {
    await writer.firstAckSince(Date.now(), 30_000);
    const goneAt = Date.now();
    await kube().core.deleteNamespacedPod({ namespace: ns, name: `${name}-ins-1` });
    const back = await writer.firstAckAfterFailureSince(goneAt, 60_000);
    assert.ok(back - goneAt <= failoverBoundMs, `writes resumed ${back - goneAt} ms after the RW pod was deleted (bound ${failoverBoundMs} ms)`);
  } finally {
    await writer.stop();
  }
  await waitUntil(async () => (await clusters().get({ namespace: ns, name })).status?.leaderInstanceId === 'ins-2', {
    timeoutMs: failoverBoundMs,
    describe: () => 'the status never named ins-2 the RW',
  });
  assert.equal(await engineQuery(ns, `${name}-ins-2`, 'select pg_is_in_recovery()'), 'f', 'ins-2 writes');
  const events = (await kube().core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject.name === name && e.reason === 'Failover');
  assert.equal(events.length, 1, 'one Failover Event');
  await assertNoAckedCommitLost(name, writer.acked.map((a) => a.id));
});

test('with HA paused, a writer whose pod is gone is not replaced; resumed, the RO is promoted', { timeout: 600_000 }, async () => {
  const name = 'fo-paused';
  await runningCluster(name);
  await setPaused(ns, name, true);
  await kube().core.deleteNamespacedPod({ namespace: ns, name: `${name}-ins-1` });
  await waitUntil(async () => (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: `mpd.polardb.aliyun.com/ins-id=ins-1,mpd.polardb.aliyun.com/cluster=${name}` })).items.length === 0, {
    timeoutMs: 60_000,
    describe: () => 'the RW pod never went',
  });
  // A bounded look at an absence: for twice the failover bound, no standby takes over while HA is paused.
  const watchUntil = Date.now() + 2 * failoverBoundMs;
  while (Date.now() < watchUntil) {
    assert.deepEqual(await rolePods(name, 'master'), [], 'nothing promoted while HA is paused');
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
  }
  assert.equal(await engineQuery(ns, `${name}-ins-2`, 'select pg_is_in_recovery()'), 't');
  await setPaused(ns, name, false);
  await waitUntil(async () => (await clusters().get({ namespace: ns, name })).status?.leaderInstanceId === 'ins-2', { timeoutMs: 30_000, describe: () => 'ins-2 never promoted after HA resumed' });
});

test("the RW's node gone (its containers killed with it): the RO on the other node is promoted once the lock expires, -rw follows, nothing acknowledged lost", { timeout: 900_000 }, async () => {
  const name = 'fo-node';
  const node = await startExtraNode('mpdflow-node-fo');
  try {
    await runningCluster(name);
    // The RW onto the node that will go: migrated there if the scheduler placed it elsewhere.
    let cluster = await clusters().get({ namespace: ns, name });
    const leader = cluster.status!.leaderInstanceId!;
    if (cluster.status!.dbInstanceStatus![leader]!.nodeName !== node.nodeName) {
      await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { migrate: `${leader}|${node.nodeName}` } } });
      await waitUntil(
        async () => {
          cluster = await clusters().get({ namespace: ns, name });
          const rw = cluster.status?.leaderInstanceId;
          return cluster.status?.clusterStatus === 'Running' && !cluster.metadata.annotations?.migrate && cluster.status?.dbInstanceStatus?.[rw ?? '']?.nodeName === node.nodeName;
        },
        { timeoutMs: 300_000, describe: () => `the RW never moved to ${node.nodeName}: ${JSON.stringify(cluster.status?.dbInstanceStatus)}` },
      );
    }
    const [doomed, survivor] = [cluster.status!.leaderInstanceId!, Object.keys(cluster.status!.dbInstanceStatus!).find((id) => id !== cluster.status!.leaderInstanceId)!];
    const writer = await startWriterLoop(ns, name, 'writes');
    try {
      await writer.firstAckSince(Date.now(), 30_000);
      const goneAt = Date.now();
      await node.stop();
      // The writer's lock outlives it by its TTL (10 s): the bound is that plus the failover bound.
      const back = await writer.firstAckAfterFailureSince(goneAt, 90_000);
      assert.ok(back - goneAt <= 10_000 + failoverBoundMs, `writes resumed ${back - goneAt} ms after the RW's node went (bound ${10_000 + failoverBoundMs} ms)`);
    } finally {
      await writer.stop();
    }
    await waitUntil(async () => (await clusters().get({ namespace: ns, name })).status?.leaderInstanceId === survivor, { timeoutMs: 30_000, describe: () => `the status never named ${survivor} the RW (was ${doomed})` });
    await assertNoAckedCommitLost(name, writer.acked.map((a) => a.id), 180_000);
  } finally {
    await node.stop();
  }
});

test('a flow over a dead writer (HA paused, so nothing replaces it) interrupts with DB_RW_NOT_RUNNING, never Running', { timeout: 600_000 }, async () => {
  const name = 'fo-flow';
  await runningCluster(name);
  await setPaused(ns, name, true);
  const pid = await postmasterPid(ns, `${name}-ins-1`);
  assert.ok(pid, 'the RW has a postmaster');
  process.kill(Number(pid), 'SIGKILL');
  // Paused, the HA manager starts no PostgreSQL: the writer stays dead and its pod loses the leader label.
  await waitUntil(async () => (await rolePods(name, 'master')).length === 0, { timeoutMs: 60_000, describe: () => 'the dead writer kept its leader label' });
  await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { switchRw: 'ins-2' } } });
  const cluster = await waitForState({ namespace: ns, name }, 'Interrupt', 240_000);
  assert.equal(cluster.metadata.annotations?.[interruptAnnotations.reason], 'DB_RW_NOT_RUNNING', JSON.stringify(cluster.metadata.annotations));
  assert.equal(cluster.status?.leaderInstanceId, 'ins-1', 'the status names no writer that was never made');
  await setPaused(ns, name, false);
});

test('a writer whose HA manager does not answer for longer than one request (frozen from the host): the flow waits for it, then completes', { timeout: 600_000 }, async () => {
  const name = 'fo-frozen';
  const writerPod = `${name}-ins-1`;
  await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  await waitForState({ namespace: ns, name }, 'Running', 240_000);
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `${name}-user-params` }, data: { work_mem: '8MB', updateTime: 't1' } } });
  // Paused first, as DisableHA would: the frozen manager then holds up only the step that asks it for the cluster's view.
  await setPaused(ns, name, true);
  await waitUntil(async () => (await patroni.member(await kube().core.readNamespacedPod({ namespace: ns, name: writerPod }))).pause === true, { timeoutMs: 30_000, describe: () => 'the writer never paused' });
  const haPid = await haManagerPid(ns, writerPod);
  assert.ok(haPid, 'the writer has an HA manager');
  const { client, close } = await temporalClient();
  process.kill(Number(haPid), 'SIGSTOP');
  let interrupted = '';
  try {
    await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { flushParams: 'true' } } });
    // Past the first unanswered request (10 s), the step says it waits for the writer; it must not have interrupted.
    await waitUntil(
      async () => {
        const cluster = await clusters().get({ namespace: ns, name });
        if (cluster.status?.clusterStatus === 'Interrupt') return Boolean((interrupted = JSON.stringify(cluster.metadata.annotations)));
        const workflowId = cluster.status?.transition?.workflowId;
        return Boolean(workflowId) && (await heartbeatsOf(client, workflowId!)).includes('the RW to answer');
      },
      { timeoutMs: 120_000, describe: () => 'FlushParams never waited for the frozen writer' },
    );
  } finally {
    process.kill(Number(haPid), 'SIGCONT');
    await close();
  }
  assert.equal(interrupted, '', "the flow interrupted while the writer's HA manager was frozen");
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  assert.equal(await engineQuery(ns, writerPod, 'show work_mem'), '8MB', 'the parameter is in effect after the wait');
});
