/**
 * The rollout of a new worker build with Temporal Worker Versioning, on the real dev server: two builds poll the same
 * task queue side by side; a flow started on the old build finishes on it after the new build became Current, and new
 * flows run on the new build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { configFromEnv, type WorkerVersion } from '../../src/config';
import { waitUntil } from '../../src/infra/wait';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker, type RunningWorker } from '../../src/worker/run-worker';
import { runBuild, setCurrentVersion } from '../../src/temporal/worker-deployment';
import { temporalClient, temporalNamespace, testNamespace, testTaskQueue, uniqueSuffix } from '../helpers/stack';
import { createCluster, openGate, runFlow, testFlowsDir, testStepsModule, waitForStep } from '../helpers/flows';

async function startBuild(taskQueue: string, version: WorkerVersion): Promise<RunningWorker> {
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  config.temporal.versioning = version;
  return startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }), identity: `worker-${version.buildId}` });
}

/** Sets the Current Version once the server has seen the build poll (it refuses a version nobody polls yet). */
async function makeCurrent(client: Client, version: WorkerVersion): Promise<void> {
  await waitUntil(
    async () => {
      try {
        await setCurrentVersion(client, temporalNamespace(), version, 'versioning-test');
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, describe: () => `build ${version.buildId} of ${version.deploymentName} never became Current` },
  );
}

/** The build of every workflow task and the identity of every activity attempt of a run, from its history. */
async function whereItRan(handle: WorkflowHandle): Promise<{ workflowTaskBuilds: string[]; activityWorkers: string[] }> {
  const { events } = await handle.fetchHistory();
  return {
    workflowTaskBuilds: (events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.deploymentVersion?.buildId ?? 'unversioned'] : [])),
    activityWorkers: (events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.identity ?? ''] : [])),
  };
}

test('worker versioning: a flow finishes on the build it started on, new flows run on the new Current build', { timeout: 240_000 }, async () => {
  const taskQueue = testTaskQueue('versioning');
  const deploymentName = `mpdflow-test-${uniqueSuffix()}`;
  const oldBuild = { deploymentName, buildId: 'build-1' };
  const newBuild = { deploymentName, buildId: 'build-2' };
  const { client, close } = await temporalClient();
  const ns = await testNamespace('versioning');
  const workers: RunningWorker[] = [];
  try {
    workers.push(await startBuild(taskQueue, oldBuild));
    await makeCurrent(client, oldBuild);

    const longRef = await createCluster(ns, 'pc-long');
    const long = await runFlow(client, taskQueue, { flowName: 'TestHold', resource: longRef, state: 'Creating' });
    await waitForStep(longRef, 'Hold');

    // The rollout: the new build starts beside the old one and becomes Current while the long flow holds.
    workers.push(await startBuild(taskQueue, newBuild));
    await makeCurrent(client, newBuild);

    const freshRef = await createCluster(ns, 'pc-fresh');
    const fresh = await runFlow(client, taskQueue, { flowName: 'TestRecord', resource: freshRef, state: 'Creating' });
    await fresh.result();

    await openGate(longRef, 'Hold');
    await long.result();

    const longRan = await whereItRan(long);
    const freshRan = await whereItRan(fresh);
    process.stdout.write(`# long flow: workflow tasks on ${[...new Set(longRan.workflowTaskBuilds)].join(',')}, activities on ${[...new Set(longRan.activityWorkers)].join(',')}\n`);
    process.stdout.write(`# new flow: workflow tasks on ${[...new Set(freshRan.workflowTaskBuilds)].join(',')}, activities on ${[...new Set(freshRan.activityWorkers)].join(',')}\n`);
    assert.deepEqual(new Set(longRan.workflowTaskBuilds), new Set(['build-1']), 'every workflow task of the long flow ran on the old build');
    assert.ok(longRan.activityWorkers.length > 2 && longRan.activityWorkers.every((w) => w.startsWith('worker-build-1')), `the long flow's steps ran on the old build: ${longRan.activityWorkers.join(', ')}`);
    assert.deepEqual(new Set(freshRan.workflowTaskBuilds), new Set(['build-2']), 'the new flow ran on the new build');
    assert.ok(freshRan.activityWorkers.every((w) => w.startsWith('worker-build-2')), `the new flow's steps ran on the new build: ${freshRan.activityWorkers.join(', ')}`);
    assert.deepEqual(await runBuild(client, long.workflowId), { buildId: 'build-1', behavior: 'PINNED' }, 'the long flow is PINNED to build-1');
  } finally {
    for (const worker of workers.reverse()) await worker.shutdown();
    await close();
  }
});
