/**
 * What docs/flows.md says of an edited flow: the controller compiles the flows it starts runs with, so new runs use
 * an edited YAML once the controller has restarted; a worker restart alone leaves them on the old definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { operator as testOperator } from '../fixtures/test-operator';
import { testTriggers } from '../fixtures/test-operator-steps';
import { clusters, createSampleCluster, waitForState } from '../helpers/operator';
import { testNamespace, testTaskQueue } from '../helpers/stack';
import { scratchRoot } from '../helpers/scratch';

test('an edited flow reaches new runs when the controller restarts; a worker restart alone is not enough', { timeout: 300_000 }, async () => {
  const ns = await testNamespace('flow-edit');
  const flowsDir = mkdtempSync(join(scratchRoot(), 'mpdflow-flow-edit-'));
  cpSync(testOperator.flowsDir, flowsDir, { recursive: true });
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('edit');
  const log = rootLogger.child({ test: ns });
  const operator = () => prepareOperator(testOperator, { flowsDir }); // what a process start reads from disk
  const worker = () => startWorker({ config, operator: operator() });
  const controller = () => startController({ config, operator: operator(), namespaces: [ns], leaderElection: false, log });
  let running: { worker: RunningWorker; controller: RunningController } = { worker: await worker(), controller: await controller() };
  try {
    const ref = await createSampleCluster(ns, 'pc-edit');
    await waitForState(ref, 'Running');

    /** Requests a restart and returns how many steps its run had (status.workflow.stepTotal once it completed). */
    const restartSteps = async () => {
      const before = (await clusters().get(ref)).status?.transition?.id ?? 0;
      await clusters().patch(ref, { metadata: { annotations: { [testTriggers.restartCluster]: 'true' } } });
      let total: number | undefined;
      await waitUntil(
        async () => {
          const status = (await clusters().get(ref)).status;
          const done = (status?.transition?.id ?? 0) > before && status?.clusterStatus === 'Running' && status.workflow?.workflowId === status.transition?.workflowId;
          total = status?.workflow?.stepTotal;
          return done && status?.workflow?.phase === 'Completed';
        },
        { timeoutMs: 60_000, describe: () => 'the restart never completed' },
      );
      return total!;
    };

    const original = await restartSteps();
    const restartYaml = join(flowsDir, 'restart.yaml');
    const yaml = readFileSync(restartYaml, 'utf8');
    writeFileSync(restartYaml, yaml.replace('  - group: Finish', '  - className: op.Noop\n    stepName: AddedByAnEdit\n  - group: Finish'));
    assert.notEqual(readFileSync(restartYaml, 'utf8'), yaml);

    await running.worker.shutdown();
    running = { ...running, worker: await worker() };
    assert.equal(await restartSteps(), original, 'the worker alone restarted: the controller still starts runs with the definition it compiled');

    await running.controller.stop();
    running = { ...running, controller: await controller() };
    assert.equal(await restartSteps(), original + 1, 'the controller restarted: new runs use the edited flow');
  } finally {
    await running.controller.stop();
    await running.worker.shutdown();
  }
});
