/**
 * Maintenance windows and the fleet disruption budget, on the real servers: the test operator's RestartCluster is
 * disruptive, its AddRo is not; the controller runs with --disruption-budget 2. Concurrency is read from one watch of
 * the namespace (the API server's own order of changes), never sampled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations, maintenanceWindowAnnotation } from '../../src/kube/annotations';
import { disruptionHeldCondition } from '../../src/kube/held-reasons';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { eventReasons } from '../helpers/flows';
import { clusters, createSampleCluster, startTestOperator, transitionRuns, waitForState, type TestOperator } from '../helpers/operator';
import { temporalClient, testNamespace } from '../helpers/stack';
import { watchStates, type StateLog } from '../helpers/state-log';

const budget = ['2'];
let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator;
let controller: RunningController;
let log: StateLog;

/** The controller alone, stopped and started again (the worker keeps running): what a Deployment rollout does. */
async function restartController(): Promise<void> {
  await controller.stop();
  const config = configFromEnv();
  config.temporal.taskQueue = op.taskQueue;
  controller = await startController({
    config,
    operator: prepareOperator(controllerTestOperator),
    namespaces: [ns],
    leaderElection: false,
    relistEveryMs: 5_000,
    disruptionBudget: budget,
    log: rootLogger.child({ component: 'controller', test: ns, incarnation: 2 }),
  });
}

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('fleet');
  op = await startTestOperator(ns, { disruptionBudget: budget });
  controller = op.controller;
  log = await watchStates(ns);
});
after(async () => {
  log.stop();
  await controller.stop();
  await op.worker.shutdown();
  await close();
});

const condition = async (ref: { namespace: string; name: string }, type: string) => (await clusters().get(ref)).status?.conditions?.find((c) => c.type === type);

test('a disruptive transition outside its maintenance window waits, survives a controller restart, and starts when the window opens; a non-disruptive one is not held', { timeout: 300_000 }, async () => {
  const ref = await createSampleCluster(ns, 'pc-window');
  await waitForState(ref, 'Running');
  // A one-minute window at the first minute boundary at least 40 s away (UTC): the request and AddRo land before it opens.
  const opensAt = new Date(Math.ceil((Date.now() + 40_000) / 60_000) * 60_000);
  const window = `${opensAt.getUTCMinutes()} ${opensAt.getUTCHours()} * * * for 1m`;
  await clusters().patch(ref, { metadata: { annotations: { [maintenanceWindowAnnotation]: window, [testTriggers.restartCluster]: 'true' } } });

  await waitUntil(async () => (await clusters().get(ref)).status?.held?.reason === 'OutsideMaintenanceWindow', { timeoutMs: 30_000, describe: () => 'restart held for the window' });
  const held = (await clusters().get(ref)).status!.held!;
  assert.equal(held.to, 'RestartCluster');
  assert.equal(held.nextWindowStart, opensAt.toISOString());
  const heldCondition = await condition(ref, disruptionHeldCondition);
  assert.equal(heldCondition?.status, 'True');
  assert.equal(heldCondition?.reason, 'OutsideMaintenanceWindow');
  assert.match(heldCondition?.message ?? '', new RegExp(opensAt.toISOString()));
  await waitUntil(async () => (await eventReasons(ref)).includes('OutsideMaintenanceWindow'), { timeoutMs: 10_000, describe: () => 'an Event says why it waits' });

  // AddRo is not disruptive: it runs while the restart waits. (Asked for once the hold is seen: the test operator's
  // AddRo is quick and its cleanup drops every trigger, so a hold asked for with it can come and go between polls.)
  await clusters().patch(ref, { spec: { followerNum: 1 } });
  await waitUntil(async () => (await clusters().get(ref)).status?.followerNum === 1, { timeoutMs: 60_000, describe: () => 'AddRo ran while the restart was held' });
  await waitForState(ref, 'Running');
  assert.ok(Date.now() < opensAt.getTime(), 'AddRo finished before the window opened (the test needs it to)');
  assert.equal((await transitionRuns(client, ref)).filter((r) => r.type === 'OpRestart').length, 0, 'the restart did not run');
  // The test operator's cleanup drops every trigger (the seed's CleanAllTempMeta): the restart is asked for again.
  await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.held?.reason === 'OutsideMaintenanceWindow', { timeoutMs: 30_000, describe: () => 'restart held again' });

  // The wait is on the cluster, not in the process: a new controller keeps it and starts the flow at the window.
  await restartController();
  await waitUntil(async () => (await transitionRuns(client, ref)).some((r) => r.type === 'OpRestart' && r.status === 'COMPLETED'), {
    timeoutMs: 120_000,
    describe: () => 'the restart ran when the window opened',
  });
  const cluster = await waitForState(ref, 'Running');
  const started = (await client.workflow.getHandle(cluster.status!.transition!.workflowId).describe()).startTime;
  assert.ok(started.getTime() >= opensAt.getTime(), `the restart started at ${started.toISOString()}, not before the window at ${opensAt.toISOString()}`);
  assert.equal(cluster.status?.held, undefined, 'nothing held any more');
  assert.equal((await condition(ref, disruptionHeldCondition))?.reason, 'Started');
  assert.deepEqual((await transitionRuns(client, ref)).map((r) => r.type), ['OpCreate', 'OpAddRo', 'OpRestart'], 'each flow ran once');
});

test('a malformed maintenance window is reported (condition + Event) and holds disruptive transitions until fixed', async () => {
  const ref = await createSampleCluster(ns, 'pc-badwindow');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [maintenanceWindowAnnotation]: '0 25 * * * for 1h', [testTriggers.restartCluster]: 'true' } } });
  await waitUntil(async () => (await condition(ref, 'InputValid'))?.reason === 'InvalidMaintenanceWindow', { timeoutMs: 30_000, describe: () => 'bad window reported' });
  assert.match((await condition(ref, 'InputValid'))?.message ?? '', /hour/);
  await waitUntil(async () => (await clusters().get(ref)).status?.held?.reason === 'InvalidMaintenanceWindow', { timeoutMs: 30_000, describe: () => 'restart held' });
  await waitUntil(async () => (await eventReasons(ref)).includes('InvalidMaintenanceWindow'), { timeoutMs: 10_000, describe: () => 'a Warning Event names the bad window' });
  await clusters().patch(ref, { metadata: { annotations: { [maintenanceWindowAnnotation]: '* * * * * for 1m' } } });
  await waitUntil(async () => (await transitionRuns(client, ref)).some((r) => r.type === 'OpRestart' && r.status === 'COMPLETED'), { timeoutMs: 60_000, describe: () => 'restart ran' });
  assert.equal((await condition(ref, 'InputValid'))?.status, 'True');
});

/** Requests a restart on each cluster, held at its RestartCluster step until the test lets it go. */
async function requestRestarts(names: string[]): Promise<Array<{ resourceType: string; namespace: string; name: string }>> {
  const refs = [];
  for (const name of names) refs.push(await createSampleCluster(ns, name));
  for (const ref of refs) await waitForState(ref, 'Running');
  for (const ref of refs) await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  return refs;
}

/** The most of these clusters in `state` at once, over the watch's log. */
function maxAt(names: string[], state: string): number {
  const current = new Map<string, string>();
  let max = 0;
  for (const change of log.changes.filter((c) => names.includes(c.name))) {
    current.set(change.name, change.state);
    max = Math.max(max, [...current.values()].filter((s) => s === state).length);
  }
  return max;
}

const inGroup = (names: string[], list: string[]) => list.filter((n) => names.includes(n));

test('budget 2, five disruptive requests: never more than 2 at once, oldest request first, one failure does not fail the queue, all five complete', { timeout: 300_000 }, async () => {
  const names = ['pc-b1', 'pc-b2', 'pc-b3', 'pc-b4', 'pc-b5'];
  const startedAt = Date.now();
  const refs = await requestRestarts(names);
  const requestedAt = Date.now();
  await waitUntil(async () => inGroup(names, log.now('RestartCluster')).length === 2 && inGroup(names, log.heldNow('DisruptionBudgetFull')).length === 3, {
    timeoutMs: 60_000,
    describe: () => `2 running and 3 queued; log: ${JSON.stringify(log.changes.filter((c) => names.includes(c.name)))}`,
  });
  const queued = refs.filter((r) => inGroup(names, log.heldNow('DisruptionBudgetFull')).includes(r.name));
  const queueOrder = await Promise.all(queued.map(async (r) => ({ name: r.name, since: (await clusters().get(r)).status!.held!.since })));
  queueOrder.sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name));
  const held = (await clusters().get(queued[0]!)).status!.held!;
  assert.match(held.message ?? '', /2 of 2 in use/);
  assert.equal((await condition(queued[0]!, disruptionHeldCondition))?.reason, 'DisruptionBudgetFull');

  // One of the two running fails; the queue goes on.
  const [failing] = inGroup(names, log.now('RestartCluster'));
  const failingRef = refs.find((r) => r.name === failing)!;
  await clusters().patch(failingRef, { metadata: { annotations: { [steer.interruptAt]: 'RestartCluster' } } });
  await waitForState(failingRef, 'Interrupt');
  for (const ref of refs) await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  const others = refs.filter((r) => r.name !== failing);
  await waitUntil(async () => (await Promise.all(others.map(async (r) => (await transitionRuns(client, r)).some((x) => x.type === 'OpRestart' && x.status === 'COMPLETED')))).every(Boolean), {
    timeoutMs: 120_000,
    describe: () => `every other restart completed; log: ${JSON.stringify(log.changes.filter((c) => names.includes(c.name)))}`,
  });
  for (const ref of others) await waitForState(ref, 'Running');
  const queuedEntered = log.entries('RestartCluster').filter((n) => queueOrder.some((q) => q.name === n));
  assert.deepEqual(queuedEntered, queueOrder.map((q) => q.name), 'the queue was served oldest request first');

  // The failed one is recovered (it goes through no budget wait: the slots are free) and completes too.
  await clusters().patch(failingRef, { metadata: { annotations: { [steer.interruptAt]: null, [interruptAnnotations.recover]: 'T' } } });
  await waitUntil(async () => (await transitionRuns(client, failingRef)).some((x) => x.type === 'OpRestart' && x.status === 'COMPLETED'), { timeoutMs: 60_000, describe: () => 'the failed restart recovered' });
  await waitForState(failingRef, 'Running');
  const totalMs = Date.now() - requestedAt;

  const max = maxAt(names, 'RestartCluster');
  assert.equal(max, 2, `at most 2 clusters in RestartCluster at once, and the budget was used: ${JSON.stringify(log.changes)}`);
  for (const ref of refs) {
    const restarts = (await transitionRuns(client, ref)).filter((r) => r.type === 'OpRestart');
    assert.deepEqual(restarts.map((r) => r.status), ref.name === failing ? ['FAILED', 'COMPLETED'] : ['COMPLETED'], `${ref.name}: one run per transition`);
  }
  rootLogger.warn({ requests: names.length, maxConcurrent: max, totalMs, setupMs: requestedAt - startedAt }, 'budgeted fleet run');
});

test('a controller restart mid-queue neither loses nor double-counts a slot', { timeout: 300_000 }, async () => {
  const names = ['pc-r1', 'pc-r2', 'pc-r3', 'pc-r4', 'pc-r5'];
  const refs = await requestRestarts(names);
  await waitUntil(async () => inGroup(names, log.now('RestartCluster')).length === 2 && inGroup(names, log.heldNow('DisruptionBudgetFull')).length === 3, {
    timeoutMs: 60_000,
    describe: () => '2 running and 3 queued',
  });
  const before = log.changes.length;
  await restartController();
  // The new controller recounts the slots from the clusters: the two running keep theirs, the three stay queued.
  await waitUntil(async () => controller.isLeader() && (await controller.metrics.queueDepth.get()).values[0]?.value === 0, {
    timeoutMs: 30_000,
    describe: () => 'the new controller went through every cluster',
  });
  assert.deepEqual(inGroup(names, log.heldNow('DisruptionBudgetFull')).length, 3, 'still three queued');
  assert.ok(log.changes.slice(before).every((c) => !names.includes(c.name) || c.state !== 'RestartCluster'), 'no new disruptive start while the budget is full');
  for (const ref of refs) await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  await waitUntil(async () => (await Promise.all(refs.map(async (r) => (await transitionRuns(client, r)).some((x) => x.type === 'OpRestart' && x.status === 'COMPLETED')))).every(Boolean), {
    timeoutMs: 120_000,
    describe: () => 'every restart completed',
  });
  for (const ref of refs) await waitForState(ref, 'Running');
  assert.equal(maxAt(names, 'RestartCluster'), 2, 'never more than 2 at once, across the restart');
  for (const ref of refs) assert.deepEqual((await transitionRuns(client, ref)).filter((r) => r.type === 'OpRestart').map((r) => r.status), ['COMPLETED'], `${ref.name}: started exactly once`);
});
