import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, executionCounts, openGate, runFlow, startTestWorker, testFlowsDir, waitForStep } from '../helpers/flows';
import { scratchRoot } from '../helpers/scratch';

test('a running flow keeps the definition it started with; new runs use the edited YAML', async () => {
  const flowsDir = mkdtempSync(join(scratchRoot(), 'mpdflow-flows-'));
  cpSync(testFlowsDir, flowsDir, { recursive: true });
  const taskQueue = testTaskQueue('pinning');
  const { client, close } = await temporalClient();
  const ns = await testNamespace('pinning');
  const before = await createCluster(ns, 'pc-before');

  const oldWorker = await startTestWorker(taskQueue, flowsDir);
  const running = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: before, state: 'Creating', flowsDir });
  await waitForStep(before, 'Hold');
  await oldWorker.shutdown();

  // Remove step Three and add step Five, then restart the worker on the edited flows.
  writeFileSync(
    join(flowsDir, 'hold.yaml'),
    'flowName: TestHold\nheartbeat: 5s\nsteps:\n  - className: test.Record\n    stepName: One\n  - className: test.HoldUntilGate\n    stepName: Hold\n  - className: test.Record\n    stepName: Five\n',
  );
  const newWorker = await startTestWorker(taskQueue, flowsDir);
  try {
    await openGate(before, 'Hold');
    const result = await running.result();
    assert.deepEqual(result.steps.map((s) => s.stepName), ['One', 'Hold', 'Three']);
    // Shutting the old worker down cancelled Hold's first attempt (its `-cancelled` marker); it then ran again.
    const { ['Hold-cancelled']: _cancelled, ...ran } = await executionCounts(before);
    assert.deepEqual(ran, { Hold: 1, One: 1, Three: 1 });

    const afterEdit = await createCluster(ns, 'pc-after');
    await openGate(afterEdit, 'Hold');
    const fresh = await (await runFlow(client, taskQueue, { flowName: 'TestHold', resource: afterEdit, state: 'Creating', flowsDir })).result();
    assert.deepEqual(fresh.steps.map((s) => s.stepName), ['One', 'Hold', 'Five']);
    assert.deepEqual(await executionCounts(afterEdit), { Five: 1, Hold: 1, One: 1 });
  } finally {
    await newWorker.shutdown();
    await close();
  }
});
