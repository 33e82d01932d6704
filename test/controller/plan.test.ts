import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import type { FlowProgress } from '../../src/contract/flow-run';
import { waitUntil } from '../../src/infra/wait';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { formatPlan, planFor } from '../../src/operator-api/plan';
import { learnStepDurations } from '../../src/temporal/step-durations';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { temporalClient, testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, flowRuns, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';

let client: Client;
let close: () => Promise<void>;
let op: TestOperator | undefined;
const operator = prepareOperator(controllerTestOperator);
const learn = (flowName: string) => learnStepDurations(client, flowName);

before(async () => {
  ({ client, close } = await temporalClient());
});
after(async () => {
  await op?.stop();
  await close();
});

test('plan says which transition fires and what its flow does, changes nothing, and the flow then does just that', async () => {
  const ns = await testNamespace('plan');
  const ref = await createSampleCluster(ns, 'pc-plan');
  const before = (await clusters().get(ref)).metadata.resourceVersion;

  const plan = await planFor(await clusters().get(ref), operator, learn);
  process.stdout.write(`# mpdflow plan output:\n${formatPlan(plan).replace(/^/gm, '#   ')}\n`);
  assert.equal(plan.outcome, 'fire');
  assert.equal(plan.transition?.flowName, 'OpCreate');
  assert.equal(plan.transition?.to, 'Creating');
  assert.deepEqual(plan.pods.restarted, ['pc-plan-rw']);
  assert.equal(plan.rwSwitch, false);

  // Nothing changed: the object is as it was, and no run exists for it.
  assert.equal((await clusters().get(ref)).metadata.resourceVersion, before);
  assert.deepEqual(await flowRuns(client, ref), []);

  op = await startTestOperator(ns);
  await waitForState(ref, 'Running');
  let result: FlowProgress | undefined;
  await waitUntil(
    async () => {
      for await (const wf of client.workflow.list({ query: `MpdCluster = "${ref.name}" AND MpdNamespace = "${ns}" AND ExecutionStatus = 'Completed'` })) {
        result = (await client.workflow.getHandle(wf.workflowId, wf.runId).result()) as FlowProgress;
      }
      return result !== undefined;
    },
    { timeoutMs: 30_000, describe: () => 'the create run is visible as completed' },
  );
  assert.equal(result!.flowName, plan.transition?.flowName);
  assert.deepEqual(
    result!.steps.map((s) => [s.stepName, s.outcome]),
    plan.steps.map((s) => [s.stepName, 'completed']),
    'the run ran exactly the planned steps, in order',
  );

  // A cluster planned after that run gets an estimate learnt from it (a namespace no controller watches).
  const other = await createSampleCluster(await testNamespace('plan-other'), 'pc-plan-2');
  let estimated = await planFor(await clusters().get(other), operator, learn);
  await waitUntil(
    async () => {
      estimated = await planFor(await clusters().get(other), operator, learn);
      return estimated.estimate !== undefined;
    },
    { timeoutMs: 30_000, describe: () => 'an estimate from the completed run' },
  );
  assert.ok(estimated.estimate!.fromRuns >= 1);
  assert.ok(estimated.steps.every((s) => s.usualMs !== undefined), 'each step has a usual duration');
});
