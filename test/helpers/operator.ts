/** Controller-test plumbing: a worker and a controller for one namespace, on the test operator. */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { configFromEnv } from '../../src/config';
import { startController, type ControllerOptions, type RunningController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { sampleCluster } from '../fixtures/sample-cluster';
import { kube, testTaskQueue } from './stack';
import { fileSuite, type FileSuite } from './file-suite';
import { apiStatus } from '../../src/kube/client';
import { transitionWorkflowId } from '../../src/contract/flow-run';
import { FlowRuns } from '../../src/temporal/flow-runs';

export const operatorFlowsDir = fileURLToPath(new URL('../fixtures/operator-flows', import.meta.url));
export const operatorModule = fileURLToPath(new URL('../fixtures/test-operator.ts', import.meta.url));

export const clusters = () => new MpdClusterClient(kube());

export interface TestOperator {
  taskQueue: string;
  worker: RunningWorker;
  controller: RunningController;
  stop(): Promise<void>;
}

export async function startTestOperator(namespace: string, overrides: Partial<ControllerOptions> = {}): Promise<TestOperator> {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('op');
  // One operator object for both, as `mpdflow run` has.
  const operator = prepareOperator(controllerTestOperator);
  const worker = await startWorker({ config, operator });
  let controller: RunningController;
  try {
    controller = await startController({
      config,
      operator,
      namespaces: [namespace],
      leaderElection: false,
      opsPort: 0,
      relistEveryMs: 5_000,
      log: rootLogger.child({ component: 'controller', test: namespace }),
      ...overrides,
    });
  } catch (error) {
    // A worker left running would keep the test file's process alive: a failure would become a hang.
    await worker.shutdown();
    throw error;
  }
  return {
    taskQueue: config.temporal.taskQueue,
    worker,
    controller,
    async stop() {
      await controller.stop();
      await worker.shutdown();
    },
  };
}

/** One test file's test operator, in a namespace of its own (file-suite.ts). */
export const testOperatorSuite = (label: string, overrides: Partial<ControllerOptions> = {}): FileSuite<TestOperator> =>
  fileSuite(label, (namespace) => startTestOperator(namespace, overrides));

export async function createSampleCluster(namespace: string, name: string, overrides: Partial<MPDCluster['spec']> = {}) {
  await clusters().create(sampleCluster(namespace, name, { followerNum: 0, ...overrides }));
  return { resourceType: 'MPDCluster', namespace, name };
}

export async function waitForState(ref: { namespace: string; name: string }, state: string, timeoutMs = 60_000): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      return last.status?.clusterStatus === state;
    },
    { timeoutMs, describe: () => `${ref.namespace}/${ref.name} never reached ${state}; it is ${last?.status?.clusterStatus} (${JSON.stringify(last?.status?.workflow)})` },
  );
  return last!;
}

/** The flow types run for a cluster, oldest first, from Temporal visibility. */
export async function flowRuns(client: Client, ref: { namespace: string; name: string }): Promise<Array<{ type: string; status: string }>> {
  const runs: Array<{ type: string; status: string; start: number }> = [];
  for await (const wf of client.workflow.list({ query: `MpdCluster = "${ref.name}" AND MpdNamespace = "${ref.namespace}"` })) {
    runs.push({ type: wf.type, status: wf.status.name, start: wf.startTime.getTime() });
  }
  return runs.sort((a, b) => a.start - b.start).map(({ type, status }) => ({ type, status }));
}

/**
 * The cluster's runs, once visibility (eventually consistent) has caught up: the run the cluster's status names
 * (status.workflow.runId) is listed and every listed run is closed. An empty or stale list never passes for settled.
 */
export async function settledFlowRuns(
  client: Client,
  ref: { namespace: string; name: string },
  { kube = clusters(), timeoutMs = 30_000 }: { kube?: MpdClusterClient; timeoutMs?: number } = {},
): Promise<Array<{ type: string; status: string }>> {
  const runId = (await kube.get(ref)).status?.workflow?.runId;
  if (!runId) throw new Error(`${ref.namespace}/${ref.name} names no run in status.workflow`);
  let runs: Array<{ type: string; status: string; runId: string; start: number }> = [];
  await waitUntil(
    async () => {
      runs = [];
      for await (const wf of client.workflow.list({ query: `MpdCluster = "${ref.name}" AND MpdNamespace = "${ref.namespace}"` })) {
        runs.push({ type: wf.type, status: wf.status.name, runId: wf.runId, start: wf.startTime.getTime() });
      }
      return runs.some((r) => r.runId === runId) && runs.every((r) => r.status !== 'RUNNING');
    },
    { timeoutMs, describe: () => `visibility never listed run ${runId} of ${ref.namespace}/${ref.name} with every run closed: ${JSON.stringify(runs)}` },
  );
  return runs.sort((a, b) => a.start - b.start).map(({ type, status }) => ({ type, status }));
}

/** Waits until the cluster is gone from the API server (deletion finished: flows done, finalizer removed). */
export async function waitUntilGone(ref: { namespace: string; name: string }, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    async () => {
      try {
        await clusters().get(ref);
        return false;
      } catch (error) {
        return apiStatus(error) === 404;
      }
    },
    { timeoutMs, describe: () => `${ref.namespace}/${ref.name} is still there` },
  );
}

/**
 * Every run of every transition the cluster has recorded, in order, found by id (`t<n>`, `t<n>-r<k>`) with describe():
 * strongly consistent, unlike visibility. A transition has at most one run per id by construction.
 */
export async function transitionRuns(client: Client, ref: { namespace: string; name: string }): Promise<Array<{ run: string; type: string; status: string }>> {
  const cluster = await clusters().get(ref);
  const last = cluster.status?.transition?.id ?? 0;
  const runs: Array<{ run: string; type: string; status: string }> = [];
  for (let id = 1; id <= last; id++) {
    for (let resumes = 0; ; resumes++) {
      const workflowId = transitionWorkflowId({ resourceType: 'MPDCluster', ...ref }, cluster.metadata.uid ?? '', id, resumes);
      const run = await new FlowRuns(client).describe(workflowId);
      if (!run) break;
      runs.push({ run: workflowId.slice(workflowId.lastIndexOf('/') + 1), type: run.workflowType, status: run.status });
    }
  }
  return runs;
}
