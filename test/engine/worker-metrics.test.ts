import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromEnv } from '../../src/config';
import { startWorker } from '../../src/worker/run-worker';
import { waitUntil } from '../../src/infra/wait';
import { loadOperator } from '../../src/operator-api/load-operator';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, getCluster, runFlow, testFlowsDir, testStepsModule } from '../helpers/flows';

test('the worker serves Prometheus metrics (flows by outcome, step durations, retries) and links each cluster to its run in the Web UI', async () => {
  const config = configFromEnv({ ...process.env, TEMPORAL_WEB_UI_URL: 'http://temporal-ui.example' });
  config.temporal.taskQueue = testTaskQueue('metrics');
  const worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }), opsPort: 0 });
  const { client, close } = await temporalClient();
  try {
    const ns = await testNamespace('metrics');
    const flaky = await createCluster(ns, 'pc-flaky');
    const flakyRun = await runFlow(client, config.temporal.taskQueue, { flowName: 'TestFlaky', resource: flaky, params: { failTimes: 2 }, state: 'Creating' });
    await flakyRun.result();
    const broken = await createCluster(ns, 'pc-broken');
    await (await runFlow(client, config.temporal.taskQueue, { flowName: 'TestInterrupt', resource: broken, state: 'Creating' })).result().catch(() => undefined);

    const status = (await getCluster(flaky)).status?.workflow;
    assert.equal(status?.webUiUrl, `http://temporal-ui.example/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(flakyRun.workflowId)}/${flakyRun.firstExecutionRunId}`);

    const base = `http://127.0.0.1:${worker.opsPort}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^mpdflow_flows_started_total\{flow="TestFlaky"\} 1$/m);
    assert.match(text, /^mpdflow_flows_completed_total\{flow="TestFlaky"\} 1$/m);
    assert.match(text, /^mpdflow_flows_interrupted_total\{flow="TestInterrupt",reason="POD_LOST"\} 1$/m);
    assert.match(text, /^mpdflow_step_retries_total\{flow="TestFlaky",step="Flaky"\} 2$/m);
    assert.match(text, /^mpdflow_step_duration_seconds_count\{flow="TestFlaky",step="After"\} 1$/m);
  } finally {
    await close();
    await worker.shutdown();
  }
});

test("a worker not Ready for a further reason (a build not yet Current) says so on /readyz, and is Ready once it has none", async () => {
  const config = configFromEnv(process.env);
  config.temporal.taskQueue = testTaskQueue('readiness');
  let reason: string | undefined = 'build b2 is not the Current Version yet';
  const worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }), opsPort: 0, notReadyBecause: () => reason });
  try {
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${worker.opsPort}/readyz`);
      return `${response.status} ${await response.text()}`;
    };
    let said = '';
    await waitUntil(async () => /^503 .*build b2 is not the Current Version yet/.test((said = await readyz())), { timeoutMs: 30_000, describe: () => `/readyz said ${said}` });
    reason = undefined;
    await waitUntil(async () => (said = await readyz()).startsWith('200'), { timeoutMs: 30_000, describe: () => `/readyz said ${said}` });
  } finally {
    await worker.shutdown();
  }
});
