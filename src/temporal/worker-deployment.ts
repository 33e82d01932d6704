/**
 * Temporal Worker Versioning (Worker Deployments, server 1.28+): a worker polls as one Deployment Version (deployment
 * name + build id); new flows go to the deployment's Current Version, and every flow stays PINNED to the build it
 * started on, so a rollout never replays a running history on new workflow code.
 */
import type { Client } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { WorkerVersion } from '../config';

/** The worker options of a versioned build: flows default to PINNED (a flow finishes on its build). */
export function workerDeploymentOptions(version: WorkerVersion): WorkerDeploymentOptions {
  return { version: { deploymentName: version.deploymentName, buildId: version.buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' };
}

/** `temporal worker deployment set-current-version`: new flows go to this build from now on. */
export async function setCurrentVersion(client: Client, namespace: string, version: WorkerVersion, identity = 'mpdflow'): Promise<void> {
  await client.workflowService.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    identity,
  });
}

/** The build a run is pinned to (or last ran on), from its versioning info; undefined for an unversioned run. */
export async function runBuild(client: Client, workflowId: string, runId?: string): Promise<{ buildId?: string; behavior?: string } | undefined> {
  const described = await client.workflow.getHandle(workflowId, runId).describe();
  const info = described.raw.workflowExecutionInfo?.versioningInfo;
  if (!info) return undefined;
  return { buildId: info.deploymentVersion?.buildId ?? undefined, behavior: decodeVersioningBehavior(info.behavior) };
}
