/**
 * A writer that runs while its HA manager cannot reach the API server (the engines reach it through the `kubernetes`
 * Service, whose rules lagged three minutes behind API server restarts in the 25-cluster soak of 2026-12-07, while
 * the worker, reaching it directly, saw it back at once): a step waits for it, longer than for a writer that does not
 * answer at all, and the flow completes instead of interrupting with DB_RW_NOT_RUNNING after a minute.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { patroni } from '../../activities/shared/patroni';
import { writerAnswerGraceMs } from '../../activities/shared/ha-manager';
import { sampleCluster } from '../fixtures/sample-cluster';
import { haManagerPid } from '../helpers/engine-process';
import { engineQuery } from '../helpers/engine';
import { heartbeatsOf, setPaused } from '../helpers/ha-pause';
import { apiServiceIp, apiServicePath } from '../helpers/api-path';
import { clusters, waitForState } from '../helpers/operator';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';

let ns: string;
let op: SharedOperator;
before(async () => {
  ns = await testNamespace('isolated-writer');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
});

test("a writer that runs while its HA manager cannot reach the API server: a step waits past a minute, then the flow completes", { timeout: 900_000 }, async () => {
  const name = 'iso-writer';
  const writerPod = `${name}-ins-1`;
  await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  await waitForState({ namespace: ns, name }, 'Running', 240_000);
  await kube().core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `${name}-user-params` }, data: { work_mem: '8MB', updateTime: 't1' } } });
  // Paused, as DisableHA would: the writer then keeps leading without its store, as Patroni's failsafe would keep it.
  await setPaused(ns, name, true);
  const writer = () => kube().core.readNamespacedPod({ namespace: ns, name: writerPod });
  await waitUntil(async () => (await patroni.member(await writer())).pause === true, { timeoutMs: 30_000, describe: () => 'the writer never paused' });
  const pid = await haManagerPid(ns, writerPod);
  assert.ok(pid, 'the writer has an HA manager');
  const serviceIp = await apiServiceIp();
  const { client, close } = await temporalClient();
  apiServicePath(pid, serviceIp, false);
  let interrupted = '';
  try {
    await waitUntil(async () => !(await patroni.cluster(await writer()).then(() => true, () => false)), {
      timeoutMs: 120_000,
      describe: () => 'the writer still answers GET /cluster with its path to the API server cut',
    });
    await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { flushParams: 'true' } } });
    // Until the step has waited longer than for a writer that does not answer at all.
    let said = '';
    await waitUntil(
      async () => {
        const cluster = await clusters().get({ namespace: ns, name });
        if (cluster.status?.clusterStatus === 'Interrupt') return Boolean((interrupted = JSON.stringify(cluster.metadata.annotations)));
        const workflowId = cluster.status?.transition?.workflowId;
        said = workflowId ? await heartbeatsOf(client, workflowId) : '';
        return said.includes('runs and leads') && Number(/"waitedS":(\d+)/.exec(said)?.[1] ?? 0) * 1000 > writerAnswerGraceMs + 5_000;
      },
      { timeoutMs: 240_000, intervalMs: 1_000, describe: () => `FlushParams never waited past a minute for the writer; its step said ${said}` },
    );
  } finally {
    apiServicePath(pid, serviceIp, true);
    await close();
  }
  assert.equal(interrupted, '', 'the flow interrupted while its writer ran without its store');
  await waitForState({ namespace: ns, name }, 'Running', 300_000);
  assert.equal(await engineQuery(ns, writerPod, 'show work_mem'), '8MB', 'the parameter is in effect after the wait');
  await setPaused(ns, name, false);
});
