/** Engine-test plumbing: a worker with the test steps, sample clusters, gates and markers. */
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import type { ResourceRef } from '../../src/contract/flow-run';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { waitUntil } from '../../src/infra/wait';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { startFlow, type StartFlowRequest } from '../../src/temporal/flow-client';
import { gateName, hookMarkerLabel, markerLabels } from '../fixtures/test-steps';
import { sampleCluster } from '../fixtures/sample-cluster';
import { kube, temporalClient, testTaskQueue } from './stack';

export const testFlowsDir = fileURLToPath(new URL('../fixtures/flows', import.meta.url));
export const testStepsModule = fileURLToPath(new URL('../fixtures/test-steps.ts', import.meta.url));

export async function startTestWorker(taskQueue: string, flowsDir = testFlowsDir, stepsModule = testStepsModule): Promise<RunningWorker> {
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  return startWorker({ config, operator: await loadOperator(stepsModule, { flowsDir }) });
}

export async function testFlow(flowName: string, flowsDir = testFlowsDir) {
  const { flows } = await loadOperator(testStepsModule, { flowsDir });
  const flow = flows.get(flowName);
  if (!flow) throw new Error(`no test flow ${flowName}`);
  return flow;
}

export const clusters = () => new MpdClusterClient(kube());

/** A sample MPDCluster in state `state`, and its reference as the flow runtime sees it. */
export async function createCluster(namespace: string, name: string, state = 'Creating'): Promise<ResourceRef> {
  await clusters().create(sampleCluster(namespace, name));
  await clusters().patchStatus({ namespace, name }, { clusterStatus: state });
  return { resourceType: 'MPDCluster', namespace, name };
}

export async function runFlow(client: Client, taskQueue: string, request: Omit<StartFlowRequest, 'flow'> & { flowName: string; flowsDir?: string }) {
  const flow = await testFlow(request.flowName, request.flowsDir);
  return startFlow(client, taskQueue, { ...request, flow });
}

export async function openGate(ref: ResourceRef, step: string): Promise<void> {
  await kube().core.createNamespacedConfigMap({ namespace: ref.namespace, body: { metadata: { name: gateName(ref.name, step) } } });
}

/** One execution of a test step, as its marker ConfigMap recorded it (step, attempt, runId, workflowId, values, ...). */
export type Marker = Record<string, string>;

/** Every execution of the test steps on one cluster, by step name, oldest first. */
export async function markers(ref: ResourceRef): Promise<Map<string, Marker[]>> {
  const list = await kube().core.listNamespacedConfigMap({ namespace: ref.namespace, labelSelector: `${markerLabels.cluster}=${ref.name}` });
  const byStep = new Map<string, Marker[]>();
  const items = list.items.sort((a, b) => Number(a.metadata?.resourceVersion ?? 0) - Number(b.metadata?.resourceVersion ?? 0));
  for (const cm of items) {
    const step = cm.metadata?.labels?.[markerLabels.step] ?? '';
    byStep.set(step, [...(byStep.get(step) ?? []), cm.data ?? {}]);
  }
  return byStep;
}

/** How many times each test step ran on one cluster, keys sorted: compare with deepEqual for exact counts. */
export async function executionCounts(ref: ResourceRef): Promise<Record<string, number>> {
  const byStep = await markers(ref);
  return Object.fromEntries([...byStep.keys()].sort().map((step) => [step, byStep.get(step)!.length]));
}

/** The one execution of `step`; fails when it ran not at all or more than once. */
export async function onlyExecution(ref: ResourceRef, step: string): Promise<Marker> {
  const runs = (await markers(ref)).get(step) ?? [];
  if (runs.length !== 1) throw new Error(`step ${step} of ${ref.name} ran ${runs.length} times, expected exactly once`);
  return runs[0]!;
}

/** The flow names the test hook recorded a completion for, one entry per call. */
export async function hookCompletions(ref: ResourceRef): Promise<string[]> {
  const list = await kube().core.listNamespacedConfigMap({ namespace: ref.namespace, labelSelector: `${hookMarkerLabel}=${ref.name}` });
  return list.items.map((cm) => cm.data?.flow ?? '');
}

export async function getCluster(ref: ResourceRef): Promise<MPDCluster> {
  return clusters().get(ref);
}

/** Waits until the cluster's status.workflow says `step` is running. */
export async function waitForStep(ref: ResourceRef, step: string, timeoutMs = 60_000): Promise<void> {
  await waitUntil(async () => (await getCluster(ref)).status?.workflow?.step === step, {
    timeoutMs,
    describe: () => `step ${step} of ${ref.namespace}/${ref.name} never started`,
  });
}

/** The reasons of the Kubernetes Events on a cluster, in order. */
export async function eventReasons(ref: ResourceRef): Promise<string[]> {
  const list = await kube().core.listNamespacedEvent({ namespace: ref.namespace, fieldSelector: `involvedObject.name=${ref.name}` });
  return list.items
    .sort((a, b) => String(a.firstTimestamp?.valueOf() ?? '').localeCompare(String(b.firstTimestamp?.valueOf() ?? '')))
    .map((e) => e.reason ?? '');
}

/** A Temporal client and a worker with the test steps for the tests of one file, on a task queue of its own. */
/** A worker (the test steps, or another flows dir and steps module) and a Temporal client for one test file. */
export function useEngineWorker(label: string, flowsDir = testFlowsDir, stepsModule = testStepsModule): { readonly client: Client; readonly taskQueue: string } {
  const taskQueue = testTaskQueue(label);
  let client: Client | undefined;
  let close: (() => Promise<void>) | undefined;
  let worker: RunningWorker | undefined;
  before(async () => {
    ({ client, close } = await temporalClient());
    worker = await startTestWorker(taskQueue, flowsDir, stepsModule);
  });
  after(async () => {
    await worker?.shutdown();
    await close?.();
  });
  return {
    taskQueue,
    get client() {
      if (!client) throw new Error('the engine worker is not started yet');
      return client;
    },
  };
}
