/**
 * A migration acts on the request its transition recorded (issue 21, finding 1): `migrate` rewritten while its
 * MigrateRo waits (to name the RW) still moves the read-only instance it was asked for, and the RW stays the RW;
 * the rewritten request then runs as a MigrateRw of its own. Both flows wait for approval here (a copy of the flows
 * with gates), so the rewrite lands mid-flow and each end state is read before the next flow moves on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { waitUntil } from '../../src/infra/wait';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { sampleCluster } from '../fixtures/sample-cluster';
import { startExtraNode, type ExtraNode } from '../helpers/extra-node';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { approve, awaitingApproval, gatedFlows } from './support/approval-gates';

const target = 'mpdflow-node-mig';
let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
let node: ExtraNode | undefined;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('recorded-migrate');
  op = await startSharedOperator(ns, { flowsDir: gatedFlows({ 'migrate_ro.yaml': 'EnsureRoMigrate', 'migrate_rw.yaml': 'CreateTempRoForRw' }) });
});
after(async () => {
  await op?.stop();
  await node?.stop();
  await releaseTestNamespace(ns);
  await close();
});

const nodeOf = (cluster: MPDCluster, id: string) => cluster.status?.dbInstanceStatus?.[id]?.nodeName;

test('migrate rewritten to name the RW while its MigrateRo waits: the RO moves, the RW stays the RW, then its own MigrateRw runs', { timeout: 900_000 }, async () => {
  const ref = { namespace: ns, name: 'pc-recorded-migrate' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 1 }));
  const running = await waitForState(ref, 'Running', 180_000);
  // The node to move to joins once the cluster runs: both instances are elsewhere.
  node = await startExtraNode(target);
  const leader = running.status!.leaderInstanceId!;
  const ro = Object.keys(running.status!.dbInstanceStatus!).find((id) => id !== leader)!;
  assert.notEqual(nodeOf(running, ro), target);

  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.migrate]: `${ro}|${target}` } } });
  const first = await awaitingApproval(ref, 2);
  assert.equal(first.status?.transition?.flowName, 'SharedStorageClusterMigrateRo');
  // Rewritten while the MigrateRo waits: it names the RW now (a MigrateRw once it runs as a request of its own).
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.migrate]: `${leader}|${target}` } } });
  await approve(client, first);

  // The rewritten request is the next transition's, held at its gate: what the MigrateRo did shows here.
  const second = await awaitingApproval(ref, 3);
  assert.equal(second.status?.transition?.flowName, 'SharedStorageClusterMigrateRw');
  assert.equal(nodeOf(second, ro), target, 'the MigrateRo moved the instance its transition recorded');
  assert.equal(second.status?.dbInstanceStatus?.[ro]?.insType, 'ro');
  assert.equal(second.status?.dbInstanceStatus?.[leader]?.insType, 'rw', 'the RW was not recreated as a read-only instance');
  assert.equal(second.status?.leaderInstanceId, leader);

  await approve(client, second);
  await waitUntil(
    async () => {
      const cluster = await clusters().get(ref);
      return cluster.status?.transition?.id === 3 && cluster.status.clusterStatus === 'Running';
    },
    { timeoutMs: 300_000, describe: () => 'the rewritten migrate never completed' },
  );
  const done = await clusters().get(ref);
  assert.equal(done.metadata.annotations?.[triggerAnnotations.migrate], undefined, 'the rewritten request was consumed by its own run');
  assert.equal(nodeOf(done, done.status!.leaderInstanceId!), target, 'the RW moved by its own MigrateRw');
  assert.equal(nodeOf(done, ro), target);
  assert.deepEqual(
    (await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`),
    ['t1 CreateSharedStorageCluster COMPLETED', 't2 SharedStorageClusterMigrateRo COMPLETED', 't3 SharedStorageClusterMigrateRw COMPLETED'],
  );
});
