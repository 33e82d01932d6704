import { States } from '../contract/states';
import { interruptAnnotations } from '../kube/annotations';
import { FlowRuns, isOpen } from '../temporal/flow-runs';
import { cliClusters as clusters, withCliTemporal as withTemporal } from './cli-environment';
import { parseRef } from './cluster-ref';

// The helpers other commands (holds, plan) take from here.
export { parseRef } from './cluster-ref';
export { cliClusters as clusters, withCliTemporal as withTemporal } from './cli-environment';

/** `mpdflow cancel ns/name`: the cancel signal to the run of the cluster's current transition. */
export async function cancelCommand(target: string): Promise<void> {
  const ref = parseRef(target);
  const workflowId = (await clusters().get(ref)).status?.transition?.workflowId;
  await withTemporal(async (client) => {
    const runs = new FlowRuns(client);
    if (!workflowId || !isOpen(await runs.describe(workflowId))) throw new Error(`${ref.namespace}/${ref.name} has no running flow`);
    await runs.signalCancel(workflowId, 'mpdflow cancel');
  });
  process.stdout.write(`cancel sent to ${workflowId}\n`);
}

/** `mpdflow recover ns/name [--from-first]`: what setting interrupt.recover does; the controller acts on it. */
export async function recoverCommand(target: string, options: { fromFirst?: boolean }): Promise<void> {
  const ref = parseRef(target);
  const cluster = await clusters().get(ref);
  if (cluster.status?.clusterStatus !== States.interrupt) throw new Error(`${target} is ${cluster.status?.clusterStatus || 'not interrupted'}, not Interrupt`);
  await clusters().patch(ref, { metadata: { annotations: { [interruptAnnotations.recover]: options.fromFirst ? 'from-first' : 'T' } } });
  process.stdout.write(`recovery requested for ${target}${options.fromFirst ? ' from the first step' : ''}\n`);
}
