/**
 * Real failures on the real node become the seed's interrupts, and recovery mends them: an image that is not there,
 * a pod deleted under a flow, an engine killed and unable to start, a migration to a node that cannot take it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { localImages } from '../../src/infra/local-images';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { claimHostPath, holdEngineLock } from '../helpers/engine-lock';
import { engineQuery, postmasterStart } from '../helpers/engine';
import { engineRoles, labels } from '../../activities/shared/names';
import { clusters, waitForState } from '../helpers/operator';
import { execInPod, isReady } from '../helpers/real-node';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { kube, releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('pod-failures');
  op = await startSharedOperator(ns);
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
  await close();
});

const readPod = (name: string) => kube().core.readNamespacedPod({ namespace: ns, name });
const annotate = (name: string, values: Record<string, string | null>) => clusters().patch({ namespace: ns, name }, { metadata: { annotations: values } });
const recover = (name: string) => annotate(name, { [interruptAnnotations.recover]: 'T' });

/** The interrupt a cluster is in: reason, message, failed step, and how many attempts that step had. */
async function interrupted(name: string) {
  const cluster = await waitForState({ namespace: ns, name }, 'Interrupt', 180_000);
  const failedStep = cluster.status?.workflow?.failedStep ?? '';
  return {
    reason: cluster.metadata.annotations?.[interruptAnnotations.reason],
    message: cluster.metadata.annotations?.[interruptAnnotations.message] ?? '',
    failedStep,
    attempts: await lastAttempt(cluster.status!.workflow!.workflowId!, `workflow_shared.${failedStep}`),
  };
}

/** The attempt number of the step's last execution, from the run's history (the start event records it). */
async function lastAttempt(workflowId: string, activityType: string): Promise<number | undefined> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Set(
    (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)),
  );
  const starts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)));
  return starts.at(-1)?.activityTaskStartedEventAttributes?.attempt ?? undefined;
}

test('an engine image that does not exist interrupts the create at once (IMAGE_PULL_FAIL); the image fixed and recovered, it runs', async () => {
  const name = 'pc-noimage';
  await clusters().create(sampleCluster(ns, name, { followerNum: 0, versionCfg: { versionName: 'v1', engineImage: 'localhost/mpdflow/engine:missing' } }));
  const interrupt = await interrupted(name);
  assert.equal(interrupt.reason, 'IMAGE_PULL_FAIL');
  assert.match(interrupt.message, /image localhost\/mpdflow\/engine:missing cannot be used \((ErrImagePull|ImagePullBackOff)\)/);
  assert.equal(interrupt.failedStep, 'CreateRwPod');
  assert.equal(interrupt.attempts, 1, 'no blind retries');

  await clusters().patch({ namespace: ns, name }, { spec: { versionCfg: { versionName: 'v1', engineImage: localImages.engine } } });
  await recover(name);
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  const pod = await readPod(`${name}-ins-1`);
  assert.equal(pod.spec?.containers[0]?.image, localImages.engine);
  assert.ok(isReady(pod));
});

test('a pod deleted while its flow waits for it: POD_LOST; recovered, the flow creates it again', async () => {
  const name = 'pc-lost';
  await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  // The new RO's data directory is locked (as by another postmaster): its pod runs but stays unready.
  const lock = await holdEngineLock(ns, `${name}-share`, 'ins-2');
  await lock.held;
  try {
    await clusters().patch({ namespace: ns, name }, { spec: { followerNum: 1 } });
    await waitUntil(async () => (await readPod(`${name}-ins-2`).catch(() => undefined))?.status?.phase === 'Running', {
      timeoutMs: 120_000,
      describe: () => 'the new RO pod never ran',
    });
    await kube().core.deleteNamespacedPod({ namespace: ns, name: `${name}-ins-2` });
    const interrupt = await interrupted(name);
    assert.equal(interrupt.reason, 'POD_LOST');
    assert.equal(interrupt.failedStep, 'EnsureNewRoUpToDate');
    assert.match(interrupt.message, /pc-lost-ins-2 (is being deleted|disappeared)/);
  } finally {
    lock.release();
  }
  await recover(name);
  const cluster = await waitForState({ namespace: ns, name }, 'Running', 180_000);
  assert.equal(cluster.status?.followerNum, 1);
  assert.ok(isReady(await readPod(`${name}-ins-2`)));
});

test('the engine killed in its pod is restarted by the HA manager; one that cannot start is DB_START_FAIL with its own words; repaired and recovered, it runs', async () => {
  const name = 'pc-crash';
  await clusters().create(sampleCluster(ns, name, { followerNum: 0 }));
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  const pod = `${name}-ins-1`;
  const before = await readPod(pod);
  const startedBefore = await postmasterStart(ns, pod);
  // A setting the engine refuses at start, where it reads its configuration: on the shared volume.
  const autoConf = join(await claimHostPath(ns, `${name}-share`), 'ins-1', 'pgdata', 'postgresql.auto.conf');
  const good = readFileSync(autoConf, 'utf8');
  appendFileSync(autoConf, 'mpdflow_no_such_setting = on\n');
  await execInPod(kube(), ns, pod, 'engine', ['sh', '-c', 'kill -QUIT "$(head -n1 /data/ins-1/pgdata/postmaster.pid)"']);
  // Patroni starts PostgreSQL again in the same container; it now exits at start, and the pod is not Ready.
  await waitUntil(async () => {
    const now = await readPod(pod);
    return now.metadata?.uid === before.metadata?.uid && !isReady(now);
  }, { timeoutMs: 120_000, describe: () => 'the engine that cannot start never made its pod unready' });

  await annotate(name, { restartIns: 'ins-1' });
  const interrupt = await interrupted(name);
  assert.equal(interrupt.reason, 'DB_START_FAIL');
  assert.equal(interrupt.failedStep, 'RestartIns');
  assert.match(interrupt.message, /does not start/);
  assert.match(interrupt.message, /mpdflow_no_such_setting/, "the engine's own words, from its log");

  writeFileSync(autoConf, good);
  // The writer that failed to start gave up its leadership; repaired, the HA manager starts it again as a standby.
  await waitUntil(async () => (await engineQuery(ns, pod, 'select pg_is_in_recovery()')) === 't', {
    timeoutMs: 60_000,
    describe: () => 'the repaired engine never ran as a standby',
  });
  await recover(name);
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  const after = await readPod(pod);
  assert.ok(isReady(after));
  assert.equal(after.metadata?.uid, before.metadata?.uid, 'restarted in its pod');
  assert.notEqual(await postmasterStart(ns, pod), startedBefore);
  // Running means a writer: the restarted RW leads again and takes writes.
  assert.equal(after.metadata?.labels?.[labels.role], engineRoles.leader);
  assert.match(await engineQuery(ns, pod, 'create table after_restart (id int); insert into after_restart values (1); select count(*) from after_restart'), /INSERT 0 1\n1$/);
});

test('a migration to a node that does not exist, or is not Ready, interrupts with TARGET_NODE_UNAVAILABLE before anything moves', async () => {
  const name = 'pc-nowhere';
  await clusters().create(sampleCluster(ns, name, { followerNum: 1 }));
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  const uid = async () => (await readPod(`${name}-ins-2`)).metadata?.uid;
  const before = await uid();

  await annotate(name, { migrate: 'ins-2|no-such-node' });
  let interrupt = await interrupted(name);
  assert.equal(interrupt.reason, 'TARGET_NODE_UNAVAILABLE');
  assert.match(interrupt.message, /target node no-such-node does not exist/);
  assert.equal(interrupt.failedStep, 'GenerateMigrateTempId');
  assert.equal(await uid(), before, 'the RO did not move');
  // Withdrawn and recovered: the resumed migration has nowhere to go and finishes.
  await annotate(name, { migrate: null, [interruptAnnotations.recover]: 'T' });
  await waitForState({ namespace: ns, name }, 'Running', 60_000);

  // A registered node whose kubelet never reported (cordoned, so the scheduler never picks it for others' pods).
  await kube().core.createNode({ body: { metadata: { name: 'mpdflow-node-gone' }, spec: { unschedulable: true } } });
  try {
    await annotate(name, { migrate: 'ins-2|mpdflow-node-gone' });
    interrupt = await interrupted(name);
    assert.equal(interrupt.reason, 'TARGET_NODE_UNAVAILABLE');
    assert.match(interrupt.message, /target node mpdflow-node-gone is not Ready/);
    assert.equal(await uid(), before);
  } finally {
    await kube().core.deleteNode({ name: 'mpdflow-node-gone' });
  }
});

test('a cluster manager that never gets Ready holds the create at CreateClusterManager; its image fixed, the resumed step rolls it out', async () => {
  const name = 'pc-cm';
  // The sandbox image runs (it sleeps) but serves nothing: the manager's readiness probe never passes.
  await clusters().create(sampleCluster(ns, name, { followerNum: 0, versionCfg: { versionName: 'v1', engineImage: localImages.engine, clusterManagerImage: localImages.pause } }));
  let failedProbe: string | undefined;
  const unhealthy = async () =>
    Boolean(
      (failedProbe = (await kube().core.listNamespacedEvent({ namespace: ns })).items.find(
        (e) => e.reason === 'Unhealthy' && e.involvedObject.name?.startsWith(`${name}-cm-`) && /Readiness probe failed/.test(e.message ?? ''),
      )?.message),
    );
  await waitUntil(unhealthy, { timeoutMs: 120_000, describe: () => "the manager's readiness probe never failed" });
  // Observed after the probe failed: the flow still waits in its step, the cluster not Running. Progress is written at
  // most once a second, so the step it shows may lag the failed probe by that much.
  let waiting = await clusters().get({ namespace: ns, name });
  await waitUntil(async () => (waiting = await clusters().get({ namespace: ns, name })).status?.workflow?.step === 'CreateClusterManager', {
    timeoutMs: 15_000,
    describe: () => `the flow never showed its step CreateClusterManager: ${JSON.stringify(waiting.status?.workflow)}`,
  });
  const seen = `after "${failedProbe}": ${JSON.stringify(waiting.status?.workflow)}`;
  // A new cluster's "" is written as Creating with its transition, and its progress shows the step it waits in.
  assert.equal(waiting.status?.clusterStatus, 'Creating', seen);
  assert.equal(waiting.status?.workflow?.phase, 'Running', seen);
  assert.equal(waiting.status?.workflow?.step, 'CreateClusterManager', seen);

  await annotate(name, { cancelled: 'true' });
  await waitForState({ namespace: ns, name }, 'Interrupt', 60_000);
  await clusters().patch({ namespace: ns, name }, { spec: { versionCfg: { versionName: 'v1', engineImage: localImages.engine, clusterManagerImage: localImages.clusterManager } } });
  await annotate(name, { cancelled: null, [interruptAnnotations.recover]: 'T' });
  await waitForState({ namespace: ns, name }, 'Running', 180_000);
  const manager = await kube().apps.readNamespacedDeployment({ namespace: ns, name: `${name}-cm` });
  assert.equal(manager.spec?.template.spec?.containers[0]?.image, localImages.clusterManager);
  assert.equal(manager.status?.readyReplicas, 1);
});
