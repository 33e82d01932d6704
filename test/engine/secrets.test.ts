import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kube, testNamespace } from '../helpers/stack';
import { createCluster, onlyExecution, runFlow, useEngineWorker } from '../helpers/flows';
import { textOf } from '../helpers/history-text';

const env = useEngineWorker('secrets');


test('a secret a step reads stays out of every recorded workflow history', async () => {
  const ns = await testNamespace('secrets');
  const ref = await createCluster(ns, 'pc-secret');
  const planted = `s3cr3t-${Math.random().toString(36).slice(2)}`;
  await kube().core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'pc-secret-password' }, stringData: { password: planted } } });
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestSecret', resource: ref, state: 'Creating' });
  await handle.result();
  assert.ok((await onlyExecution(ref, 'UseSecret')).digest, 'the step used the secret');
  // The scan itself must be able to see payloads: the event params of this run are there in clear.
  const own = textOf(await handle.fetchHistory()).join('\n');
  assert.ok(own.includes('"flowName":"TestSecret"'), 'payloads are decoded by the scan');

  let scanned = 0;
  for await (const execution of env.client.workflow.list()) {
    const history = await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const text = textOf(history).join('\n');
    assert.ok(!text.includes(planted), `workflow ${execution.workflowId} carries the secret`);
    scanned += 1;
  }
  assert.ok(scanned >= 1);
  process.stdout.write(`# histories scanned for the planted secret: ${scanned}\n`);
});
