import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { configFromEnv } from '../../src/config';
import { waitUntil } from '../../src/infra/wait';
import { startWorker } from '../../src/worker/run-worker';
import { loadOperator } from '../../src/operator-api/load-operator';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { createCluster, runFlow, testFlowsDir, testStepsModule } from '../helpers/flows';

test('with tracing on, a flow run and each step attempt become OpenTelemetry spans', async () => {
  const exporter = new InMemorySpanExporter();
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('tracing');
  const worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }), tracing: { spanProcessor: new SimpleSpanProcessor(exporter) } });
  const { client, close } = await temporalClient();
  try {
    const ref = await createCluster(await testNamespace('tracing'), 'pc-traced');
    await (await runFlow(client, config.temporal.taskQueue, { flowName: 'TestRecord', resource: ref, state: 'Creating' })).result();
    const names = () => exporter.getFinishedSpans().map((span) => span.name);
    await waitUntil(async () => names().some((n) => n.startsWith('RunWorkflow:TestRecord')), { timeoutMs: 10_000, describe: () => names().join(', ') });
    assert.equal(names().filter((n) => n === 'RunActivity:test.Record').length, 4, names().join(', '));
    // The completion bookkeeping is a local activity, traced like any other.
    await waitUntil(async () => names().includes('RunActivity:mpdflow.flowCompleted'), { timeoutMs: 10_000, describe: () => names().join(', ') });
  } finally {
    await close();
    await worker.shutdown();
  }
});
