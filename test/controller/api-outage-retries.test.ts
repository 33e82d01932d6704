/**
 * The API server away for longer than a step's retries last: the step waits for it and the flow completes. An outage
 * is not the step's failure (the fault soak's API server restarts had ended 34 clusters' flows in MANY_RETRY).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../src/infra/wait';
import { sampleCluster } from '../fixtures/sample-cluster';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { settledFlowRuns } from '../helpers/operator';
import { privateOperator } from '../helpers/private-operator';
import { scratchRoot } from '../helpers/scratch';

/** The test operator's flows, the held restart step given two attempts a second apart: a 2 s budget. */
function flowsWithShortRetries(): string {
  const dir = mkdtempSync(join(scratchRoot(), 'mpdflow-outage-flows-'));
  cpSync(fileURLToPath(new URL('../fixtures/operator-flows', import.meta.url)), dir, { recursive: true });
  const restart = join(dir, 'restart.yaml');
  const held = '  - className: op.Checkpoint\n    stepName: RestartCluster\n';
  const text = readFileSync(restart, 'utf8');
  assert.ok(text.includes(held), 'the restart flow holds at RestartCluster');
  writeFileSync(restart, text.replace(held, `${held}    retry:\n      maximumAttempts: 2\n      initialInterval: 1s\n      maximumInterval: 1s\n`));
  return dir;
}

test("an API server outage longer than a step's retry budget: the step waits for it, the flow completes", async () => {
  const op = await privateOperator('api-outage', { flowsDir: flowsWithShortRetries() });
  try {
    const ref = { namespace: 'default', name: 'pc-outage' };
    await op.kube.create(sampleCluster(ref.namespace, ref.name, { followerNum: 0 }));
    const state = async () => (await op.kube.get(ref)).status;
    await waitUntil(async () => (await state())?.clusterStatus === 'Running', { timeoutMs: 60_000, describe: () => 'created' });
    await op.kube.patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
    await waitUntil(async () => (await state())?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'the restart never reached its held step' });
    // The held step reads the cluster every 200 ms: each read fails while the API server is away, far past 2 s.
    const outageStarted = Date.now();
    await op.stack.kube.restartApiserver(8_000);
    assert.ok(Date.now() - outageStarted >= 8_000);
    await op.kube.patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
    let last: Awaited<ReturnType<typeof state>>;
    await waitUntil(async () => (last = await state())?.clusterStatus === 'Running', { timeoutMs: 60_000, describe: () => `the restart never completed: ${JSON.stringify(last)}` });
    const runs = await settledFlowRuns(op.client, ref, { kube: op.kube });
    assert.deepEqual(runs.map((r) => [r.type, r.status]), [['OpCreate', 'COMPLETED'], ['OpRestart', 'COMPLETED']]);
  } finally {
    await op.stop();
  }
});
