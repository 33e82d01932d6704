/**
 * Go mementos in the soak: a cutover rolled back and done again. The harness plays the Go operator on a quiet
 * cluster: it takes the cluster back (spec.operatorName), starts a restart the Go way (HA paused as its DisableHA
 * step does, the `restartCluster` request, the state, a status written without mpdflow's fields, a memento entry
 * with DisableHA done and RestartCluster running), then hands it to mpdflow again. mpdflow must take the Go flow over:
 * resume it at RestartCluster under a run id of its own, once, and consume the request.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { haConfigServiceName, managerConfigMapName } from '../../activities/shared/names';
import { transitionKeyOf } from '../../src/contract/flow-run';
import { migratedEvent } from '../../src/controller/memento-plan';
import { mementoName } from '../../src/kube/memento-configmap';
import { apiStatus } from '../../src/kube/client';
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

/**
 * The memento's next entries as the Go engine writes them (seed-engine.md §2.10): on a first hand-back the create long
 * done, then a restart in its second step under the next key id.
 */
function goEntries(name: string, namespace: string, existing: Record<string, string>, now: Date): Record<string, string> {
  const context = (key: string) => ({
    _resourceName: name, _resourceNameSpace: namespace, _flowSaveResourceNameKey: mementoName(name), _flowSaveResourceNameSpaceKey: namespace, _flowSaveNumberKey: key,
  });
  const createKey = `1-${flows.create}`;
  const created = Object.keys(existing).length > 0 ? {} : { [createKey]: JSON.stringify({ flowStatus: 'completed', flowName: flows.create, startTime: '2024-01-01 00:00:00.000', completeTime: '2024-01-01 00:05:00', initContext: context(createKey), runningSteps: [] }) };
  const nextId = Math.max(1, ...Object.keys(existing).map((k) => Number(/^(\d+)-/.exec(k)?.[1] ?? 0))) + 1;
  const restartKey = `${nextId}-${flows.restartCluster}`;
  return {
    ...created,
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

/**
 * The Go engine's memento Save (seed-engine.md §2.10): Get, then create the ConfigMap or Update it with the new key,
 * after SetControllerReference. That replaces a controller reference to the same kind and name, so a predecessor's
 * memento that lingers after a re-create (garbage collection lags) is re-owned by this cluster, its marks kept.
 */
export async function goSaveMemento(env: OperationEnv, cluster: MPDCluster, now: Date): Promise<void> {
  const name = cluster.metadata.name!;
  const memento = { namespace: env.namespace, name: mementoName(name) };
  const owner = { apiVersion: cluster.apiVersion, kind: cluster.kind, name, uid: cluster.metadata.uid!, controller: true, blockOwnerDeletion: true };
  for (let tries = 1; ; tries++) {
    const existing = await env.kube.core.readNamespacedConfigMap(memento).catch((error: unknown) => {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    });
    const entries = goEntries(name, env.namespace, existing?.data ?? {}, now);
    try {
      if (!existing) {
        await env.kube.core.createNamespacedConfigMap({ namespace: env.namespace, body: { metadata: { ...memento, labels: { flowJobsDomain: name }, ownerReferences: [owner] }, data: entries } });
        return;
      }
      const others = (existing.metadata?.ownerReferences ?? []).filter((r) => !(r.kind === owner.kind && r.name === owner.name));
      // An Update: the version read, so a garbage collection or another write in between is seen, and read again.
      await env.kube.core.replaceNamespacedConfigMap({ ...memento, body: { ...existing, metadata: { ...existing.metadata, ownerReferences: [...others, owner] }, data: { ...existing.data, ...entries } } });
      return;
    } catch (error) {
      if (tries >= 5 || ![404, 409].includes(apiStatus(error) ?? 0)) throw error;
    }
  }
}

/** A hand-back of this quiet cluster (again and again: each adds a key to its memento, as the Go engine would). */
export function planGoHandback(name: string, cluster: MPDCluster, env: OperationEnv): OperationPlan | undefined {
  const uid = cluster.metadata.uid;
  if (!uid || !cluster.status?.leaderInstanceId) return undefined;
  const ref = { namespace: env.namespace, name };
  return {
    kind: 'goHandback',
    detail: 'handed to the Go operator, a restart begun there (DisableHA done), handed back',
    expectFlow: flows.restartCluster,
    apply: async () => {
      await env.clusters.patch(ref, { spec: { operatorName: goOperatorName } });
      await goDisableHa(env, name);
      await env.clusters.patch(ref, { metadata: { annotations: { [triggerAnnotations.restartCluster]: 'true' } } });
      // The Go operator's typed status update: the fields it knows, so mpdflow's transition and workflow are dropped.
      await env.clusters.patchStatus(ref, { clusterStatus: 'RestartCluster', transition: null, workflow: null } as never);
      await goSaveMemento(env, cluster, new Date());
      await env.clusters.patch(ref, { spec: { operatorName: soakOperatorName } });
    },
    consumed: (c) => !c || (c.metadata.annotations?.[triggerAnnotations.restartCluster] === undefined && c.status?.clusterStatus !== 'RestartCluster'),
  };
}

/**
 * Every Go flow handed back was taken over by a transition of its own (event GoEngineMemento, one per hand-back) whose
 * first run never ran DisableHA (done under the Go engine) and ran RestartCluster.
 */
/** gRPC's NOT_FOUND: what Temporal answers for the history of a run that never started. */
const grpcNotFound = 5;

export async function goFlowsTakenOver(ledger: Ledger, temporal: Client): Promise<InvariantResult> {
  const wrong: string[] = [];
  const transitions = new Set<string>();
  const ran = ledger.requests.filter((r) => r.kind === 'goHandback' && r.outcome === 'ran');
  for (const request of ran) {
    const where = `#${request.seq} ${request.cluster}`;
    const transition = request.ranTransition;
    if (transition?.event !== migratedEvent) {
      wrong.push(`${where}: not taken over (${transition ? `${transition.event} ${transition.workflowId}` : 'no transition'})`);
      continue;
    }
    const first = transitionKeyOf(transition.workflowId);
    if (transitions.has(first)) wrong.push(`${where}: ${first} carried an earlier hand-back's flow too`);
    transitions.add(first);
    const steps = await executedSteps(temporal, first).then(
      (executed) => executed.map((s) => s.stepName),
      (error: unknown) => {
        if ((error as { code?: number }).code === grpcNotFound) return undefined;
        throw error;
      },
    );
    // A cancel recorded before the run started consumes the transition with no run: only an Interrupt explains that.
    if (!steps) {
      if (request.endedIn !== 'Interrupt') wrong.push(`${where}: ${first} has no run, and the request did not end in Interrupt`);
      continue;
    }
    // A run cancelled (an Interrupt the soak asked for) may end before its first step; it still never reruns DisableHA.
    if (steps.includes('DisableHA') || (!steps.includes('RestartCluster') && request.endedIn !== 'Interrupt')) wrong.push(`${where}: ${first} ran ${steps.join(', ')}`);
  }
  return { name: 'Go flows handed back resume where the Go engine stopped', ok: wrong.length === 0, value: `${ran.length - wrong.length}/${ran.length}`, detail: wrong };
}
