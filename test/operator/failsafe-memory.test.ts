/**
 * A replica promoted after it once kept its writer alive through an API server outage (Patroni's failsafe: the writer
 * calls each replica while the store is away) must lead through the next outage as well. Patroni 3.0.2 kept the old
 * writer's name in the promoted member's memory and, when the store came back, read that writer as the lock's owner and
 * demoted itself (the 25-cluster soak, pc-7; upstream patroni#2803). Outages here are one pod's path to the API server cut.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { patroni, type PatroniMember } from '../../activities/shared/patroni';
import { sampleCluster } from '../fixtures/sample-cluster';
import { haManagerPid } from '../helpers/engine-process';
import { engineQuery, postmasterStart } from '../helpers/engine';
import { apiServiceIp, apiServicePath } from '../helpers/api-path';
import { clusters, waitForState } from '../helpers/operator';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';

let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('failsafe-memory');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

const name = 'fs-mem';
const pod = (instance: string) => kube().core.readNamespacedPod({ namespace: ns, name: `${name}-${instance}` });
/** GET /patroni, with the failsafe flag Patroni adds while it runs on failsafe (a writer) or was just called by one. */
const member = async (instance: string) => (await patroni.member(await pod(instance))) as PatroniMember & { failsafe_mode_is_active?: boolean };

/** The HA manager's leader lock: the annotations on the `<name>-rw` Endpoints. */
async function leaderLock(): Promise<{ leader: string; renewedAt: number; ttlMs: number }> {
  const annotations = (await kube().core.readNamespacedEndpoints({ namespace: ns, name: `${name}-rw` })).metadata?.annotations ?? {};
  return { leader: annotations.leader ?? '', renewedAt: Date.parse(annotations.renewTime ?? '0'), ttlMs: Number(annotations.ttl ?? 10) * 1000 };
}

/** Cuts the instance off the API server until its lock has expired and `whileCut` holds, then restores its path. */
async function outage(instance: string, whileCut: () => Promise<boolean>, what: string): Promise<number> {
  const pid = await haManagerPid(ns, `${name}-${instance}`);
  assert.ok(pid, `${instance} has an HA manager`);
  const serviceIp = await apiServiceIp();
  apiServicePath(pid, serviceIp, false);
  try {
    await waitUntil(
      async () => {
        const lock = await leaderLock();
        return Date.now() - lock.renewedAt > lock.ttlMs + 2_000 && (await whileCut());
      },
      { timeoutMs: 90_000, describe: () => `${what} never held while ${instance} was cut off the API server` },
    );
  } finally {
    apiServicePath(pid, serviceIp, true);
  }
  return Date.now();
}

test('a writer promoted after an outage keeps leading through the next one, its PostgreSQL never restarted', { timeout: 900_000 }, async () => {
  await clusters().create(sampleCluster(ns, name, { followerNum: 1 }));
  await waitForState({ namespace: ns, name }, 'Running', 240_000);

  // ins-1 leads on failsafe: it calls ins-2, which remembers it.
  await outage('ins-1', async () => (await member('ins-2')).failsafe_mode_is_active === true, 'ins-2 being called by the writer on failsafe');
  await waitUntil(async () => (await leaderLock()).leader === `${name}-ins-1` && Date.now() - (await leaderLock()).renewedAt < 5_000, {
    timeoutMs: 60_000,
    describe: () => 'ins-1 never renewed its lock after the outage',
  });

  await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { switchRw: 'ins-2' } } });
  await waitUntil(
    async () => {
      const status = (await clusters().get({ namespace: ns, name })).status;
      return status?.leaderInstanceId === 'ins-2' && status.clusterStatus === 'Running' && (await member('ins-2')).pause !== true;
    },
    { timeoutMs: 300_000, describe: () => 'the switch to ins-2 never completed with failover resumed' },
  );
  const startedBefore = await postmasterStart(ns, `${name}-ins-2`);

  // ins-2 now leads on failsafe; when the store is back, it must take its own lock again, not demote for ins-1.
  const restoredAt = await outage('ins-2', async () => (await member('ins-2')).failsafe_mode_is_active === true, 'ins-2 leading on failsafe');
  let lock = await leaderLock();
  await waitUntil(async () => (lock = await leaderLock()).renewedAt > restoredAt, { timeoutMs: 90_000, describe: () => `nobody took the lock after the outage: ${JSON.stringify(lock)}` });
  assert.equal(lock.leader, `${name}-ins-2`, 'the writer kept its lock');
  assert.equal(await postmasterStart(ns, `${name}-ins-2`), startedBefore, "the writer's PostgreSQL was restarted (demoted)");
  assert.equal(await engineQuery(ns, `${name}-ins-2`, 'select pg_is_in_recovery()'), 'f', 'the writer still writes');
});
