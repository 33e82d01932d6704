/** Engine-test plumbing: a worker with the test steps, sample clusters, gates and markers. */
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import type { ResourceRef } from '../../src/contract/flow-run';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { waitUntil } from '../../src/infra/wait';
import { loadFlowSetup } from '../../src/worker/flow-setup';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { startFlow, type StartFlowRequest } from '../../src/temporal/flow-client';
import { gateName, markerName } from '../fixtures/test-steps';
import { sampleCluster } from '../fixtures/sample-cluster';
import { kube, temporalClient, testTaskQueue } from './stack';

export const testFlowsDir = fileURLToPath(new URL('../fixtures/flows', import.meta.url));
export const testStepsModule = fileURLToPath(new URL('../fixtures/test-steps.ts', import.meta.url));

export async function startTestWorker(taskQueue: string, flowsDir = testFlowsDir): Promise<RunningWorker> {
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  return startWorker({ config, flowsDir, stepModules: [testStepsModule] });
}

export async function testFlow(flowName: string, flowsDir = testFlowsDir) {
  const { flows } = await loadFlowSetup({ flowsDir, stepModules: [testStepsModule] });
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

/** Marker ConfigMaps written by the test steps of one cluster, by step name. */
export async function markers(ref: ResourceRef): Promise<Map<string, Record<string, string>>> {
  const list = await kube().core.listNamespacedConfigMap({ namespace: ref.namespace, labelSelector: `mpdflow.test/cluster=${ref.name}` });
  return new Map(list.items.map((cm) => [cm.data?.step ?? cm.metadata?.name ?? '', cm.data ?? {}]));
}

export function markerFor(ref: ResourceRef, step: string): string {
  return markerName(ref.name, step);
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
export function useEngineWorker(label: string): { readonly client: Client; readonly taskQueue: string } {
  const taskQueue = testTaskQueue(label);
  let client: Client | undefined;
  let close: (() => Promise<void>) | undefined;
  let worker: RunningWorker | undefined;
  before(async () => {
    ({ client, close } = await temporalClient());
    worker = await startTestWorker(taskQueue);
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
