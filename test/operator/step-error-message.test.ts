/**
 * Interrupt messages are for people: a step failing on a Kubernetes 400/403/422 interrupts at once (API_REFUSED: the same
 * request would be refused again), with one line, never an HTTP dump.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
import { scratchRoot } from '../helpers/scratch';

const stepsModule = fileURLToPath(new URL('./support/kube-refusal-steps.ts', import.meta.url));
// The seed's 11 attempts a few seconds apart: a refusal must not wait for them.
const flowYaml = `flowName: KubeRefusal
retry: { maximumAttempts: 11, initialInterval: 2s, backoffCoefficient: 1, maximumInterval: 2s }
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
  flowsDir = mkdtempSync(join(scratchRoot(), 'mpdflow-kube-refusal-'));
  writeFileSync(join(flowsDir, 'kube_refusal.yaml'), flowYaml);
  const config = configFromEnv();
  taskQueue = config.temporal.taskQueue = testTaskQueue('kube-refusal');
  worker = await startWorker({ config, operator: await loadOperator(stepsModule, { flowsDir }) });
});
after(async () => {
  await worker.shutdown();
  await close();
});

test('a step refused with HTTP 422 interrupts at its first attempt with the API server\'s reason on one line', async () => {
  const ns = await testNamespace('kube-refusal');
  await clusters().create(sampleCluster(ns, 'pc-refused'));
  const resource = { resourceType: 'MPDCluster', namespace: ns, name: 'pc-refused' };
  await clusters().patchStatus(resource, { clusterStatus: 'Running' });
  const { flows } = await loadOperator(stepsModule, { flowsDir });
  const handle = await startFlow(client, taskQueue, { flow: flows.get('KubeRefusal')!, resource, state: 'Running' });
  await assert.rejects(handle.result());
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'test_kube.CreateInvalidConfigMap').map((e) => String(e.eventId)));
  const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)) ? [e.activityTaskStartedEventAttributes.attempt] : []));
  assert.deepEqual(attempts, [1], 'one attempt, not retried');
  const annotations = (await clusters().get(resource)).metadata.annotations ?? {};
  const message = annotations[interruptAnnotations.message] ?? '';
  assert.equal(annotations[interruptAnnotations.reason], 'API_REFUSED');
  assert.match(message, new RegExp(`Kubernetes API error 422 Invalid: ConfigMap "${invalidConfigMapName}" is invalid: metadata.name: Invalid value`));
  assert.doesNotMatch(message, /\n/, 'one line');
  assert.doesNotMatch(message, /Headers|HTTP-Code|audit-id|Body:/, 'no HTTP dump');
});
