/**
 * A writer cut off from the store while its first replica is still joining (found by the fault soak: an API server
 * outage during a create). That replica never acknowledged a commit, so promoting it over the writer loses what the
 * writer acknowledged alone: with synchronous replication on, only the writer and its synchronous standbys may take
 * over. Here the writer's HA manager is frozen (SIGSTOP from the host) after it saw the replica join and before the
 * replica streamed, so the replica streams asynchronously and finds the leader lock expired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { sampleCluster } from '../fixtures/sample-cluster';
import { haManagerPid } from '../helpers/engine-process';
import { engineQuery } from '../helpers/engine';
import { clusters, waitForState } from '../helpers/operator';
import { sharedOperatorSuite } from '../helpers/shared-operator';
import { kube } from '../helpers/stack';
import { ackedRowsOnEveryInstance, startWriterLoop } from '../helpers/writer-loop';

const clusterLabel = 'mpd.polardb.aliyun.com/cluster';
/** How long the replica is watched once it streams: the lock's TTL (10 s) twice over, and under the writer's liveness tolerance (60 s). */
const watchMs = 25_000;
const suite = sharedOperatorSuite('failover-unsynced');

const rwEndpoints = (name: string) => kube().core.readNamespacedEndpoints({ namespace: suite.ns, name: `${name}-rw` });
const syncStandbys = async (name: string) => (await kube().core.readNamespacedEndpoints({ namespace: suite.ns, name: `${name}-rw-sync` }).catch(() => undefined))?.metadata?.annotations?.sync_standby ?? '';

test('a writer frozen before its first replica became synchronous: the replica is not promoted over it, nothing acknowledged lost', { timeout: 600_000 }, async () => {
  const name = 'fo-unsynced';
  await clusters().create(sampleCluster(suite.ns, name, { followerNum: 0 }));
  await waitForState({ namespace: suite.ns, name }, 'Running', 240_000);
  const writerPod = `${name}-ins-1`;
  const writer = await startWriterLoop(suite.ns, name, 'writes', { pauseMs: 10 });
  const held: string[] = [];
  const hold = (pid: string) => (process.kill(Number(pid), 'SIGSTOP'), held.push(pid));
  const release = (pid: string) => (process.kill(Number(pid), 'SIGCONT'), held.splice(held.indexOf(pid), 1));
  try {
    await writer.firstAckSince(Date.now(), 30_000);
    const writerHa = await haManagerPid(suite.ns, writerPod);
    assert.ok(writerHa, 'the writer has an HA manager');

    // The replica's HA manager is held as soon as it has registered (its member record on its pod), before it streams.
    await clusters().patch({ namespace: suite.ns, name }, { spec: { followerNum: 1 } });
    let replicaPod = '';
    let replicaHa: string | undefined;
    await waitUntil(
      async () => {
        const pods = (await kube().core.listNamespacedPod({ namespace: suite.ns, labelSelector: clusterLabel + '=' + name })).items;
        const joining = pods.find((p) => p.metadata?.name !== writerPod && p.metadata?.labels?.['mpd.polardb.aliyun.com/ins-id'] && p.metadata?.annotations?.status);
        if (!joining) return false;
        replicaPod = joining.metadata!.name!;
        replicaHa = await haManagerPid(suite.ns, replicaPod);
        return Boolean(replicaHa);
      },
      { timeoutMs: 120_000, intervalMs: 20, describe: () => 'no replica registered with the HA manager' },
    );
    hold(replicaHa!);
    assert.equal(await syncStandbys(name), '', 'setup: the replica became synchronous before it could be held');

    // The writer records the members it knows in its lock (the failsafe list); once the replica is there, it is frozen.
    await waitUntil(async () => (rwEndpoints(name).then((e) => e.metadata?.annotations?.failsafe ?? '')).then((list) => list.includes(replicaPod)), {
      timeoutMs: 30_000,
      describe: () => `the writer never listed ${replicaPod} in its lock`,
    });
    hold(writerHa);
    release(replicaHa!);

    await waitUntil(async () => (await engineQuery(suite.ns, replicaPod, 'select status from pg_stat_wal_receiver').catch(() => '')) === 'streaming', {
      timeoutMs: 120_000,
      describe: () => `${replicaPod} never streamed from the writer`,
    });
    // A bounded look at an absence: the lock expires within its TTL, and the replica must not take it.
    const until = Date.now() + watchMs;
    while (Date.now() < until) {
      const recovering = await engineQuery(suite.ns, replicaPod, 'select pg_is_in_recovery()').catch(() => 't');
      assert.equal(recovering, 't', `${replicaPod}, never a synchronous standby, was promoted over a live writer`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
  } finally {
    for (const pid of [...held]) release(pid);
  }

  // Thawed, the writer keeps its role, takes the replica as its synchronous standby, and every acknowledged row is kept.
  try {
    await waitUntil(async () => (await syncStandbys(name)) !== '', { timeoutMs: 60_000, describe: () => 'the writer never made the replica synchronous' });
    await writer.firstAckSince(Date.now(), 30_000);
  } finally {
    await writer.stop();
  }
  assert.equal(await engineQuery(suite.ns, writerPod, 'select pg_is_in_recovery()'), 'f', 'the writer still writes');
  const acked = writer.acked.map((a) => a.id);
  let found = new Map<string, number>();
  await waitUntil(async () => [...(found = await ackedRowsOnEveryInstance(suite.ns, name, 'writes', acked)).values()].every((n) => n === acked.length) && found.size === 2, {
    timeoutMs: 60_000,
    describe: () => `acknowledged ${acked.length}; found ${JSON.stringify(Object.fromEntries(found))}`,
  });
});
