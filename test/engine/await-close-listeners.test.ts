import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setImmediate as afterWarnings } from 'node:timers/promises';
import { FlowRuns } from '../../src/temporal/flow-runs';
import { createCluster, runFlow, useEngineWorker } from '../helpers/flows';
import { testNamespace } from '../helpers/stack';

const env = useEngineWorker('listeners');

test('many waits for runs to close on one shared abort signal leave no listener on it, and no MaxListenersExceededWarning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const ns = await testNamespace('listeners');
    // The controller's shape: one signal (its stop) shared by the wait of every cluster's run.
    const shared = new AbortController();
    const runs = new FlowRuns(env.client);
    // One wait after another, as runs come and go on a long-lived controller: a listener left behind by each ended
    // wait piles up (11 of them: the warning); one removed when its wait ends never does.
    for (let i = 0; i < 15; i++) {
      const ref = await createCluster(ns, `pc-${i}`);
      const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestRecord', resource: ref, state: 'Creating' });
      assert.equal(await runs.awaitClose(handle.workflowId, shared.signal), true);
    }
    await afterWarnings();
    assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'every wait removed its listener when it ended');
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String), []);
  } finally {
    process.off('warning', onWarning);
  }
});
