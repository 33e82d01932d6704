/**
 * Go mementos in the soak: a cutover rolled back and done again. The harness plays the Go operator on a quiet
 * cluster: it takes the cluster back (spec.operatorName), starts a restart the Go way (HA paused as its DisableHA
 * step does, the `restartCluster` request, the state, a status written without mpdflow's fields, the memento with
 * DisableHA done and RestartCluster running), then hands it to mpdflow again. mpdflow must take the Go flow over:
 * resume it at RestartCluster under a run id of its own, once, and consume the request.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { haConfigServiceName, managerConfigMapName } from '../../activities/shared/names';
import { mementoMarks, mementoName } from '../../src/kube/memento-configmap';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { executedSteps } from '../../test/helpers/step-executions';
import type { InvariantResult } from './invariants';
import type { Ledger } from './ledger';
import { flows, type OperationEnv, type OperationPlan } from './operations';

/** spec.operatorName of the soak's clusters (the controllers filter on it) and of the Go operator it hands them to. */
export const soakOperatorName = 'polar-mpd';
const goOperatorName = 'go-engine';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const goTime = (at: Date) => at.toISOString().replace('T', ' ').replace('Z', '').slice(0, 19);

/** The memento as the Go engine writes it (seed-engine.md §2.10): the create long done, a restart in its second step. */
function goMemento(name: string, namespace: string, now: Date): Record<string, string> {
  const context = (key: string) => ({
    _resourceName: name, _resourceNameSpace: namespace, _flowSaveResourceNameKey: mementoName(name), _flowSaveResourceNameSpaceKey: namespace, _flowSaveNumberKey: key,
  });
  const restartKey = `2-${flows.restartCluster}`;
  return {
    [`1-${flows.create}`]: JSON.stringify({ flowStatus: 'completed', flowName: flows.create, startTime: '2024-01-01 00:00:00.000', completeTime: '2024-01-01 00:05:00', initContext: context(`1-${flows.create}`), runningSteps: [] }),
    [restartKey]: JSON.stringify({
      flowStatus: 'running',
      flowName: flows.restartCluster,
      startTime: `${goTime(now)}.000`,
      initContext: context(restartKey),
      runningSteps: [
        { StepName: 'DisableHA', stepStatus: 'completed', stepStartTime: goTime(now), lastStepCompleteTime: goTime(now), contextOutput: {} },
        { StepName: 'RestartCluster', stepStatus: 'inited', stepStartTime: goTime(now) },
        { StepName: 'EnableHA', stepStatus: 'prepared' },
        { StepName: 'CleanAllTempMeta', stepStatus: 'prepared' },
        { StepName: 'UpdateRunningStatus', stepStatus: 'prepared' },
      ],
    }),
  };
}

/** What the Go operator's DisableHA step leaves: Patroni paused, the cluster manager's HA off. */
async function goDisableHa(env: OperationEnv, name: string): Promise<void> {
  const ref = { namespace: env.namespace, name: haConfigServiceName(name) };
  const endpoints = await env.kube.core.readNamespacedEndpoints(ref);
  const config = JSON.parse(endpoints.metadata?.annotations?.config ?? '{}') as Record<string, unknown>;
  await env.kube.core.patchNamespacedEndpoints({ ...ref, body: { metadata: { annotations: { config: JSON.stringify({ ...config, pause: true }) } } } }, mergePatch);
  await env.kube.core.patchNamespacedConfigMap({ namespace: env.namespace, name: managerConfigMapName(name), body: { data: { ha: 'off' } } }, mergePatch);
}

/** A hand-back of this quiet cluster, once per incarnation (a memento taken over is not read again). */
export function planGoHandback(name: string, cluster: MPDCluster, env: OperationEnv): OperationPlan | undefined {
  const uid = cluster.metadata.uid;
  if (!uid || env.handedBack?.has(uid) || !cluster.status?.leaderInstanceId) return undefined;
  const ref = { namespace: env.namespace, name };
  return {
    kind: 'goHandback',
    detail: `handed to the Go operator, restart begun there (DisableHA done), handed back`,
    expectFlow: flows.restartCluster,
    apply: async () => {
      env.handedBack?.add(uid);
      await env.clusters.patch(ref, { spec: { operatorName: goOperatorName } });
      await goDisableHa(env, name);
      await env.clusters.patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
      // The Go operator's typed status update: the fields it knows, so mpdflow's transition and workflow are dropped.
      await env.clusters.patchStatus(ref, { clusterStatus: 'RestartCluster', transition: null, workflow: null } as never);
      const owner = { apiVersion: cluster.apiVersion, kind: cluster.kind, name, uid, controller: true };
      await env.kube.core.createNamespacedConfigMap({ namespace: env.namespace, body: { metadata: { name: mementoName(name), labels: { flowJobsDomain: name }, ownerReferences: [owner] }, data: goMemento(name, env.namespace, new Date()) } });
      await env.clusters.patch(ref, { spec: { operatorName: soakOperatorName } });
    },
    consumed: (c) => !c || (c.metadata.annotations?.[triggerAnnotations.restartCluster] === undefined && c.status?.clusterStatus !== 'RestartCluster'),
  };
}

/**
 * Every Go flow handed back was taken over: its memento marked with the run that resumed it, and that run (with its
 * resumes) never ran DisableHA, which the Go engine had done. A hand-back whose cluster was deleted meanwhile is passed.
 */
export async function goFlowsTakenOver(ledger: Ledger, env: OperationEnv, temporal: Client): Promise<InvariantResult> {
  const wrong: string[] = [];
  let checked = 0;
  for (const request of ledger.requests.filter((r) => r.kind === 'goHandback' && r.outcome === 'ran')) {
    const memento = await env.kube.core.readNamespacedConfigMap({ namespace: env.namespace, name: mementoName(request.cluster) }).catch(() => undefined);
    if (!memento || memento.metadata?.ownerReferences?.[0]?.uid !== request.uid) continue;
    checked++;
    const workflowId = memento.metadata?.annotations?.[mementoMarks.workflowId];
    if (!workflowId) {
      wrong.push(`#${request.seq} ${request.cluster}: memento ${memento.metadata?.annotations?.[mementoMarks.outcome] ?? 'never taken over'}`);
      continue;
    }
    const steps = (await executedSteps(temporal, workflowId)).map((s) => s.stepName);
    if (steps.includes('DisableHA') || !steps.includes('RestartCluster')) wrong.push(`#${request.seq} ${request.cluster}: ${workflowId} ran ${steps.join(', ')}`);
  }
  return { name: 'Go flows handed back resume where the Go engine stopped', ok: wrong.length === 0, value: `${checked - wrong.length}/${checked}`, detail: wrong };
}
