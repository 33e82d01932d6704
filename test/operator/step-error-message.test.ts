/** Interrupt messages are for people: a step failing on a Kubernetes 4xx interrupts with one line, never an HTTP dump. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { interruptAnnotations } from '../../src/kube/annotations';
import { startFlow } from '../../src/temporal/flow-client';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { clusters } from '../helpers/operator';
import { temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { invalidConfigMapName } from './support/kube-refusal-steps';

const stepsModule = fileURLToPath(new URL('./support/kube-refusal-steps.ts', import.meta.url));
// Two quick attempts: the message after giving up is what matters, not the seed's 11 retries.
const flowYaml = `flowName: KubeRefusal
retry: { maximumAttempts: 2, initialInterval: 50ms, backoffCoefficient: 1, maximumInterval: 50ms }
steps:
  - className: test_kube.CreateInvalidConfigMap
    stepName: CreateInvalidConfigMap
`;

let client: Client;
let close: () => Promise<void>;
let worker: RunningWorker;
let flowsDir: string;
let taskQueue: string;
before(async () => {
  ({ client, close } = await temporalClient());
  flowsDir = mkdtempSync(join(tmpdir(), 'mpdflow-kube-refusal-'));
  writeFileSync(join(flowsDir, 'kube_refusal.yaml'), flowYaml);
  const config = configFromEnv();
  taskQueue = config.temporal.taskQueue = testTaskQueue('kube-refusal');
  worker = await startWorker({ config, operator: await loadOperator(stepsModule, { flowsDir }) });
});
after(async () => {
  await worker.shutdown();
  await close();
});

test('a step refused with HTTP 422 interrupts with the API server\'s reason on one line', async () => {
  const ns = await testNamespace('kube-refusal');
  await clusters().create(sampleCluster(ns, 'pc-refused'));
  const resource = { resourceType: 'MPDCluster', namespace: ns, name: 'pc-refused' };
  await clusters().patchStatus(resource, { clusterStatus: 'Running' });
  const { flows } = await loadOperator(stepsModule, { flowsDir });
  const handle = await startFlow(client, taskQueue, { flow: flows.get('KubeRefusal')!, resource, state: 'Running' });
  await assert.rejects(handle.result());
  const annotations = (await clusters().get(resource)).metadata.annotations ?? {};
  const message = annotations[interruptAnnotations.message] ?? '';
  assert.equal(annotations[interruptAnnotations.reason], 'MANY_RETRY');
  assert.match(message, new RegExp(`Kubernetes API error 422 Invalid: ConfigMap "${invalidConfigMapName}" is invalid: metadata.name: Invalid value`));
  assert.doesNotMatch(message, /\n/, 'one line');
  assert.doesNotMatch(message, /Headers|HTTP-Code|audit-id|Body:/, 'no HTTP dump');
});
