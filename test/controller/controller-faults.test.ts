import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePorts } from '../../src/infra/free-port';
import { waitUntil } from '../../src/infra/wait';
import { testNamespace } from '../helpers/stack';
import { useEngineWorker } from '../helpers/flows';
import { clusters, createSampleCluster, operatorFlowsDir, settledFlowRuns, operatorModule, waitForState } from '../helpers/operator';
import { controllerProcess, metricsOf } from '../helpers/controller-process';
import { FlowRuns } from '../../src/temporal/flow-runs';
import type { SupervisedProcess } from '../../src/infra/supervised-process';

const env = useEngineWorker('ctl-faults', operatorFlowsDir, operatorModule);
const taskQueue = env.taskQueue;

test('kill -9 of the controller between the status patch and the workflow start: after a restart, exactly one flow', async () => {
  const ns = await testNamespace('ctl-crash');
  const ref = await createSampleCluster(ns, 'pc-crash');
  await clusters().patchStatus(ref, { clusterStatus: 'Init' });

  const crashing = controllerProcess(ns, 'crashing', taskQueue, ['--no-leader-election'], { MPDFLOW_FAULT_KILL_AFTER_STATUS_PATCH: 'true' });
  await crashing.waitForExit();
  assert.equal((await clusters().get(ref)).status?.clusterStatus, 'Creating', 'the transition was written before the crash');
  const transition = (await clusters().get(ref)).status?.transition;
  assert.ok(transition, 'with its record');
  assert.equal(await new FlowRuns(env.client, taskQueue).describe(transition.workflowId), undefined, 'and no flow was started');

  const restarted = controllerProcess(ns, 'restarted', taskQueue, ['--no-leader-election']);
  try {
    await waitForState(ref, 'Running', 90_000);
    assert.deepEqual(await settledFlowRuns(env.client, ref), [{ type: 'OpCreate', status: 'COMPLETED' }]);
  } finally {
    await restarted.stop();
  }
});

test('two controllers: one acts, one flow per transition; killing the leader hands over to the standby', async () => {
  const ns = await testNamespace('ctl-ha');
  const [portA, portB] = (await freePorts(2)) as [number, number];
  const leaseArgs = ['--lease-namespace', ns, '--lease-duration', '6'];
  const a = controllerProcess(ns, 'a', taskQueue, [...leaseArgs, '--ops-port', String(portA)]);
  let b: SupervisedProcess | undefined;
  try {
    await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(portA)), { timeoutMs: 60_000, describe: () => `A never led: ${a.logTail()}` });
    b = controllerProcess(ns, 'b', taskQueue, [...leaseArgs, '--ops-port', String(portB)]);
    await waitUntil(async () => /^mpdflow_leader 0$/m.test(await metricsOf(portB)), { timeoutMs: 60_000, describe: () => `B never came up: ${b?.logTail()}` });
    const refs = await Promise.all([1, 2, 3, 4].map((i) => createSampleCluster(ns, `pc-ha-${i}`)));
    for (const ref of refs) await waitForState(ref, 'Running');
    for (const ref of refs) assert.deepEqual((await settledFlowRuns(env.client, ref)).map((r) => r.type), ['OpCreate']);
    assert.doesNotMatch(await metricsOf(portB), /mpdflow_workflows_started_total\{/, 'the standby started nothing');

    await a.kill();
    // Order, not time: B leads only after A is gone (the handover time is measured by bench/leader-handover.ts).
    await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(portB)), { timeoutMs: 60_000, describe: () => `B never took over: ${b?.logTail()}` });
    const late = await createSampleCluster(ns, 'pc-ha-late');
    await waitForState(late, 'Running');
    assert.deepEqual((await settledFlowRuns(env.client, late)).map((r) => r.type), ['OpCreate']);
  } finally {
    await a.stop();
    await b?.stop();
  }
});
