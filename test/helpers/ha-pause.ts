/** Failover paused or resumed from a test, as the DisableHA/EnableHA steps do, and what a run's steps say they wait for. */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { kube } from './stack';

/** What the run's pending activities last heartbeated (their details, as JSON text). */
export async function heartbeatsOf(client: Client, workflowId: string): Promise<string> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return (raw.pendingActivities ?? []).flatMap((activity) => (activity.heartbeatDetails?.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString())).join('\n');
}

/** Pauses or resumes the HA manager as the DisableHA/EnableHA steps do: its dynamic configuration's `pause`. */
export async function setPaused(ns: string, name: string, paused: boolean): Promise<void> {
  const endpoints = await kube().core.readNamespacedEndpoints({ namespace: ns, name: `${name}-rw-config` });
  const config = JSON.parse(endpoints.metadata?.annotations?.config ?? '{}') as Record<string, unknown>;
  if (paused) config.pause = true;
  else delete config.pause;
  await kube().core.patchNamespacedEndpoints(
    { namespace: ns, name: `${name}-rw-config`, body: { metadata: { resourceVersion: endpoints.metadata?.resourceVersion, annotations: { config: JSON.stringify(config) } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
