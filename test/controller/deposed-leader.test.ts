/** A leader frozen mid-flow (SIGSTOP) and woken after another took over starts nothing (issue 9, items 1-2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fenceViolations } from '../../bench/soak/fencing';
import { freePorts } from '../../src/infra/free-port';
import { waitUntil } from '../../src/infra/wait';
import { testTriggers as triggerAnnotations } from '../fixtures/test-operator-steps';
import { controllerProcess, metricsOf } from '../helpers/controller-process';
import { clusters, createSampleCluster, flowRuns, operatorFlowsDir, operatorModule, transitionRuns, waitForState } from '../helpers/operator';
import { testNamespace } from '../helpers/stack';
import { useEngineWorker } from '../helpers/flows';

const env = useEngineWorker('deposed', operatorFlowsDir, operatorModule);
const taskQueue = env.taskQueue;

test('a leader stopped mid-flow and resumed after a takeover gives up without starting a run', async () => {
  const ns = await testNamespace('deposed');
  const [portA, portB] = (await freePorts(2)) as [number, number];
  const leaseArgs = ['--lease-namespace', ns, '--lease-duration', '3'];
  const a = controllerProcess(ns, 'a', taskQueue, [...leaseArgs, '--ops-port', String(portA)], { MPDFLOW_LOG_LEVEL: 'info' }); // its actions, for the fence check
  await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(portA)), { timeoutMs: 60_000, describe: () => `A never led: ${a.logTail()}` });
  const b = controllerProcess(ns, 'b', taskQueue, [...leaseArgs, '--ops-port', String(portB)]);
  try {
    await waitUntil(async () => /^mpdflow_leader 0$/m.test(await metricsOf(portB)), { timeoutMs: 60_000, describe: () => `B never came up: ${b.logTail()}` });
    const refs = await Promise.all([1, 2, 3].map((i) => createSampleCluster(ns, `pc-deposed-${i}`)));
    for (const ref of refs) await waitForState(ref, 'Running');

    // Freeze A with restart requests in flight: its queue and reconciles stop wherever they are.
    await Promise.all(refs.map((ref) => clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } })));
    process.kill(a.pid!, 'SIGSTOP');
    await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(portB)), { timeoutMs: 60_000, describe: () => `B never took over: ${b.logTail()}` });
    for (const ref of refs) {
      await waitUntil(async () => (await transitionRuns(env.client, ref)).at(-1)?.run === 't2' && (await transitionRuns(env.client, ref)).at(-1)?.status === 'COMPLETED', {
        timeoutMs: 60_000,
        describe: () => `${ref.name}: restart never completed under B`,
      });
    }
    process.kill(a.pid!, 'SIGCONT');
    await a.waitForExit(); // woken past its renew deadline, it gives up and exits
    assert.match(a.logTail(400), /lost leadership/);
    const aLog = readFileSync(a.logFile, 'utf8').split('\n');
    assert.ok(aLog.some((line) => line.includes('"fencedAt"')), 'A logged its actions with their fence times');
    assert.deepEqual(fenceViolations(aLog), [], 'every action A logged was fenced while its lease was valid');

    for (const ref of refs) {
      await waitForState(ref, 'Running');
      assert.deepEqual((await transitionRuns(env.client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`), ['t1 OpCreate COMPLETED', 't2 OpRestart COMPLETED']);
      await waitUntil(async () => (await flowRuns(env.client, ref)).length >= 2, { timeoutMs: 15_000, describe: () => 'visibility' });
      assert.equal((await flowRuns(env.client, ref)).length, 2, `${ref.name}: one run per transition, in visibility too`);
    }
  } finally {
    if (a.pid && !a.hasExited) process.kill(a.pid, 'SIGCONT');
    await a.stop();
    await b.stop();
  }
});

test('a lease lost while the leader is still starting: it never acts, stops what it started, and exits', async () => {
  const ns = await testNamespace('deposed-start');
  const [portA, portB] = (await freePorts(2)) as [number, number];
  const leaseArgs = ['--lease-namespace', ns, '--lease-duration', '3'];
  // A's start takes 20 s after it leads (its lists, under a struggling API server, in the 25-cluster soak).
  const a = controllerProcess(ns, 'a', taskQueue, [...leaseArgs, '--ops-port', String(portA)], { MPDFLOW_LOG_LEVEL: 'info', MPDFLOW_FAULT_START_DELAY_MS: '20000' });
  let b: ReturnType<typeof controllerProcess> | undefined;
  try {
    await waitUntil(async () => /became leader/.test(a.logTail(50)), { timeoutMs: 60_000, describe: () => `A never led: ${a.logTail()}` });
    // B only once A leads: started together, either may win the lease.
    b = controllerProcess(ns, 'b', taskQueue, [...leaseArgs, '--ops-port', String(portB)]);
    process.kill(a.pid!, 'SIGSTOP');
    await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(portB)), { timeoutMs: 60_000, describe: () => `B never took over: ${b?.logTail()}` });
    process.kill(a.pid!, 'SIGCONT');
    await waitUntil(async () => a.hasExited, { timeoutMs: 60_000, describe: () => `A lost its lease mid-start and never exited: ${a.logTail(20)}` });
    const aLog = readFileSync(a.logFile, 'utf8');
    assert.match(aLog, /lost leadership/);
    assert.doesNotMatch(aLog, /controller acting/, 'A started acting after it lost its lease');
  } finally {
    if (a.pid && !a.hasExited) process.kill(a.pid, 'SIGCONT');
    await a.stop();
    await b?.stop();
  }
});
