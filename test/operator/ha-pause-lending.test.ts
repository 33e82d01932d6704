/**
 * A flow that paused failover (DisableHA) lends it out to start a pod (Patroni starts nothing while paused) and takes
 * it back after, even when the attempt that lent it out died or was superseded (the 25-cluster soak, 2026-12-07: a
 * retried attempt found failover on and never paused it again, and a superseded attempt paused it under the pod its
 * successor was starting, which then never started). Against the real API server; no engine runs here, so the pause
 * is read where Patroni keeps it, the `config` annotation of `<name>-rw-config`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { transitionWorkflowId } from '../../src/contract/flow-run';
import { haStoreEndpointsNames } from '../../activities/shared/names';
import { haPaused, pauseHaForFlow, resumeHaAfterFlow, withHaActive } from '../../activities/shared/ha-manager';
import { topologySteps } from '../../activities/shared/topology-steps';
import { kube, releaseTestNamespace, testNamespace } from '../helpers/stack';
import { stepAttempt, type TestAttempt } from '../helpers/step-context';

let ns: string;

before(async () => {
  ns = await testNamespace('ha-lending');
});
after(async () => {
  await releaseTestNamespace(ns);
});

/** A cluster whose HA manager has bootstrapped: its configuration object exists, failover on. */
async function bootstrapped(name: string): Promise<void> {
  await kube().core.createNamespacedEndpoints({ namespace: ns, body: { metadata: { name: haStoreEndpointsNames(name)[0]!, annotations: { config: JSON.stringify({ ttl: 30 }) } } } });
}

/** An attempt of transition 3's step (of its `resume`th resumed run), as the worker would give it. */
function attempt(name: string, number: number, resume = 0): TestAttempt {
  const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', namespace: ns, name }, 'uid-1', 3, resume);
  return stepAttempt({ namespace: ns, name }, { workflowId, flowName: 'SharedStorageClusterModifyClass', stepName: 'CreateTempRoForRw', state: 'ModifyClass', attempt: number });
}

/** A pod start that goes on until released, recording whether failover was on while it ran; `done` once it returned. */
function podStart(ctx: TestAttempt['ctx']) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let sawFailoverOn: boolean | undefined;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = withHaActive(ctx, async () => {
    sawFailoverOn = !(await haPaused(ctx));
    started();
    await released;
  });
  return { started: running, release, done, sawFailoverOn: () => sawFailoverOn };
}

test('an attempt killed while failover was lent out: the next attempt of the flow pauses it again', async () => {
  const name = 'killed-lender';
  await bootstrapped(name);
  const first = attempt(name, 1);
  await pauseHaForFlow(first.ctx);
  const killed = podStart(first.ctx);
  void killed.done.catch(() => undefined);
  await killed.started; // never released: its worker died here, and its `finally` never runs
  assert.equal(killed.sawFailoverOn(), true, 'the pod starts with failover on');
  const retry = attempt(name, 2);
  let during: boolean | undefined;
  await withHaActive(retry.ctx, async () => void (during = !(await haPaused(retry.ctx))));
  assert.equal(during, true, 'the retry starts its pod with failover on');
  assert.equal(await haPaused(retry.ctx), true, 'and pauses failover again after');
  // A resumed run of the same transition (after a cancel and a recover) knows it too.
  const resumed = attempt(name, 1, 1);
  const resumedStart = podStart(resumed.ctx);
  void resumedStart.done.catch(() => undefined);
  await resumedStart.started;
  await withHaActive(attempt(name, 2, 1).ctx, async () => undefined);
  assert.equal(await haPaused(resumed.ctx), true);
  await resumeHaAfterFlow(resumed.ctx);
  assert.equal(await haPaused(resumed.ctx), false, 'EnableHA resumes it');
  await withHaActive(attempt(name, 3, 1).ctx, async () => undefined);
  assert.equal(await haPaused(resumed.ctx), false, 'after EnableHA no attempt of the flow pauses it');
});

test('a superseded attempt never pauses failover under the attempt that took over its pod start', async () => {
  const name = 'superseded';
  await bootstrapped(name);
  const old = attempt(name, 1);
  await pauseHaForFlow(old.ctx);
  const oldStart = podStart(old.ctx);
  await oldStart.started;
  const next = attempt(name, 2);
  const nextStart = podStart(next.ctx);
  await nextStart.started;
  // The old attempt runs on, unaware (its heartbeat timed out but its cancel has not reached it), and ends.
  oldStart.release();
  await oldStart.done;
  assert.equal(await haPaused(next.ctx), false, 'failover stays on while the attempt that took over starts its pod');
  nextStart.release();
  await nextStart.done;
  assert.equal(await haPaused(next.ctx), true, 'the attempt that took over pauses failover when its pod has started');
});

test('an attempt cancelled while it lent failover out leaves it to the attempt that takes over', async () => {
  const name = 'cancelled-lender';
  await bootstrapped(name);
  const cancelled = attempt(name, 1);
  await pauseHaForFlow(cancelled.ctx);
  const start = podStart(cancelled.ctx);
  await start.started;
  cancelled.abort();
  start.release();
  await start.done;
  assert.equal(await haPaused(cancelled.ctx), false, 'not paused by the cancelled attempt');
  await withHaActive(attempt(name, 2).ctx, async () => undefined);
  assert.equal(await haPaused(cancelled.ctx), true, 'the next attempt pauses it again');
});

test('DisableHA over a cluster with no running writer leaves failover on to elect one, and lets the flow go on', { timeout: 180_000 }, async () => {
  // Paused, Patroni elects nobody: the 25-cluster soak's pc-7 stayed without a writer after a switch paused it so.
  // The flow's own steps then say what is wrong with the writer (a restart: DB_START_FAIL with the engine's words).
  const name = 'leaderless';
  await bootstrapped(name);
  const { ctx } = attempt(name, 1);
  await topologySteps.DisableHA().doStep(ctx);
  assert.equal(await haPaused(ctx), false, 'failover stays on');
});
