/**
 * Step executions, not runs, counted per transition from the Temporal histories of all its runs (issue 21): two
 * controllers recovering the same interrupt at once still run each step of the transition once, but the interrupted
 * step, which runs once in the interrupted run and once in the run that resumes it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { clusters, createSampleCluster, startTestOperator, transitionRuns, waitForState, type TestOperator } from '../helpers/operator';
import { transitionStepExecutions } from '../helpers/step-executions';
import { releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator;
let second: RunningController;

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('step-executions');
  op = await startTestOperator(ns);
  // A second controller on the same clusters, no leader election: both act on every change.
  const config = configFromEnv();
  config.temporal.taskQueue = op.taskQueue;
  second = await startController({
    config,
    operator: prepareOperator(controllerTestOperator),
    namespaces: [ns],
    leaderElection: false,
    relistEveryMs: 1_000,
    log: rootLogger.child({ test: ns, controller: 'second' }),
  });
});
after(async () => {
  await second.stop();
  await op.stop();
  await releaseTestNamespace(ns);
  await close();
});

test('two controllers recovering one interrupt: each step of the transition ran once, the interrupted one once per run', async () => {
  const ref = await createSampleCluster(ns, 'pc-steps-once');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  await waitForState(ref, 'Interrupt');
  await clusters().patch(ref, { metadata: { annotations: { [steer.interruptAt]: null, [interruptAnnotations.recover]: 'T' } } });
  await waitUntil(
    async () => {
      const last = (await transitionRuns(client, ref)).at(-1);
      return last?.run === 't2-r1' && last.status === 'COMPLETED' && (await clusters().get(ref)).status?.clusterStatus === 'Running';
    },
    { timeoutMs: 60_000, describe: () => 'the recovered restart never completed' },
  );
  const uid = (await clusters().get(ref)).metadata.uid ?? '';
  const { runs, executions } = await transitionStepExecutions(client, { ...ref, uid }, 2);
  assert.equal(runs, 2, 'the interrupted run and one resume');
  const steps = Object.fromEntries(Object.entries(executions).filter(([type]) => type.startsWith('op.')));
  // OpRestart: DisableHA (op.Noop), RestartCluster (op.Checkpoint), then the Finish group.
  assert.deepEqual(steps, { 'op.Noop': 1, 'op.Checkpoint': 2, 'op.ClearTriggers': 1, 'op.SetRunning': 1 });
});
