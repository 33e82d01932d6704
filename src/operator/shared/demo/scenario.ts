/**
 * The demo's script: a sample MPDCluster goes Init → Creating → Running, gets rows through its -rw Service, gains a
 * read-only replica, switches its writer, restarts, has a restart cancelled midway (→ Interrupt, CANCELLED) and is
 * recovered — all through the controller; after each flow every instance shows it has every row.
 */
import type { Client } from '@temporalio/client';
import type { ResourceRef } from '../../../contract/flow-run';
import { States } from '../../../contract/states';
import { say } from '../../../infra/log';
import { waitUntil } from '../../../infra/wait';
import { interruptAnnotations } from '../../../kube/annotations';
import { triggerAnnotations } from '../annotations';
import type { MpdClusterClient } from '../../../kube/mpdcluster-client';
import type { MPDClusterSpec } from '../../../kube/mpdcluster-schema';
import { FlowRuns } from '../../../temporal/flow-runs';
import { currentWorkflowId, followFlow } from './follow-flow';
import type { KubeClients } from '../../../kube/client';
import { demoData } from './demo-data';

export const demoSpec: MPDClusterSpec = {
  operatorName: 'polar-mpd',
  dbClusterType: 'share',
  followerNum: 1,
  // The class is each engine pod's limit (its requests stay small): sized to fit a 2-CPU development machine.
  classInfo: { className: 'polar.o.x4.medium', cpu: '1', memory: '1Gi' },
  shareStore: { diskQuota: '10Gi' },
  netCfg: { engineStartPort: 5432 },
  versionCfg: {
    versionName: 'v1',
    engineImage: 'localhost/mpdflow/engine:v1',
    clusterManagerImage: 'localhost/mpdflow/cluster-manager:v1',
  },
};

export async function runScenario(client: Client, clusters: MpdClusterClient, kube: KubeClients, resource: ResourceRef, startController: () => Promise<void>): Promise<void> {
  const data = demoData(kube, clusters, resource);
  const state = async () => (await clusters.get(resource)).status?.clusterStatus ?? '';
  const expectState = async (want: string, timeoutMs = 60_000) => {
    await waitUntil(async () => (await state()) === want, { timeoutMs, describe: () => `${resource.name} should be ${want}` });
  };
  const annotate = (values: Record<string, string>) => clusters.patch(resource, { metadata: { annotations: values } });

  await clusters.create({ metadata: { namespace: resource.namespace, name: resource.name }, spec: demoSpec });
  await clusters.patchStatus(resource, { clusterStatus: States.init });
  say(`created MPDCluster ${resource.namespace}/${resource.name}: Init`);
  // The transition before the controller acts (none): it may write the create's own before startController returns.
  let last = await currentWorkflowId(clusters, resource);
  await startController();
  const create = await followFlow(client, clusters, resource, 'CreateSharedStorageCluster', last);
  await expectState(States.running);
  say(`Init → Creating → ${await state()} (${create.total} steps)`);
  await data.write(100);
  await data.show();

  say('adding a read-only replica: spec.followerNum 1 → 2');
  last = await currentWorkflowId(clusters, resource);
  await clusters.patch(resource, { spec: { followerNum: 2 } });
  await followFlow(client, clusters, resource, 'SharedStorageClusterAddRo', last);
  await expectState(States.running);
  say(`Running → AddRo → Running, ${(await clusters.get(resource)).status?.followerNum} read-only replicas`);
  await data.show();

  say(`switching the writer: annotation ${triggerAnnotations.switchRw}=ins-2`);
  last = await currentWorkflowId(clusters, resource);
  await annotate({ [triggerAnnotations.switchRw]: 'ins-2' });
  await followFlow(client, clusters, resource, 'SharedStorageClusterSwitchRw', last);
  await expectState(States.running);
  say(`Running → SwitchRw → Running, RW ${(await clusters.get(resource)).status?.leaderInstanceId} (promoted; ins-1 follows it)`);
  await data.write(50);
  await data.show();

  say(`restarting the cluster: annotation ${triggerAnnotations.restartCluster}=true`);
  last = await currentWorkflowId(clusters, resource);
  await annotate({ [triggerAnnotations.restartCluster]: 'true' });
  await followFlow(client, clusters, resource, 'SharedStorageClusterRestartCluster', last);
  await expectState(States.running);
  say('Running → RestartCluster → Running');
  await data.show();

  say('restarting again, and cancelling midway');
  last = await currentWorkflowId(clusters, resource);
  await annotate({ [triggerAnnotations.restartCluster]: 'true' });
  await waitUntil(async () => (await clusters.get(resource)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 60_000, describe: () => 'restart step running' });
  await new FlowRuns(client).signalCancel((await currentWorkflowId(clusters, resource))!, 'cancelled by the demo');
  await followFlow(client, clusters, resource, 'SharedStorageClusterRestartCluster', last);
  await expectState(States.interrupt);
  const interrupted = await clusters.get(resource);
  say(`RestartCluster → Interrupt: ${interrupted.metadata.annotations?.[interruptAnnotations.reason]} at ${interrupted.status?.workflow?.failedStep}`);

  say(`recovering: annotation ${interruptAnnotations.recover}=T`);
  last = await currentWorkflowId(clusters, resource);
  await annotate({ [interruptAnnotations.recover]: 'T' });
  await followFlow(client, clusters, resource, 'SharedStorageClusterRestartCluster', last);
  await expectState(States.running);
  say('Interrupt → RestartCluster (resumed at the failed step) → Running');
  await data.write(50);
  await data.show();
}
