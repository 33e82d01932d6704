import type { HeldStatus } from '../kube/mpdcluster-schema';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import type { ResourceRef } from '../contract/flow-run';
import { States } from '../contract/states';
import { interruptAnnotations } from '../kube/annotations';
import { kubeClients, loadKubeConfig } from '../kube/client';
import { mpdClusterRef } from '../kube/mpdcluster';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { FlowRuns, isOpen } from '../temporal/flow-runs';
import { temporalTls } from '../temporal/connection';

export function parseRef(text: string): ResourceRef {
  const [namespace, name] = text.includes('/') ? text.split('/', 2) : ['default', text];
  if (!namespace || !name) throw new Error(`expected namespace/name, got "${text}"`);
  return mpdClusterRef(namespace, name);
}

export function clusters(): MpdClusterClient {
  return new MpdClusterClient(kubeClients(loadKubeConfig(configFromEnv().kubeconfig)));
}

export async function withTemporal<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  const connection = await Connection.connect({ address: config.temporal.address, tls: temporalTls(config.temporal) });
  try {
    return await use(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

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

/** A waiting disruptive transition: what, why, until when (the same fields a status table reads). */
function heldLine(held: HeldStatus | undefined): string {
  if (!held) return '-';
  const until = held.nextWindowStart ? ` until ${held.nextWindowStart}` : held.budget ? ` (budget ${held.budget})` : '';
  return `${held.to} ${held.reason}${until} since ${held.since}: ${held.message ?? ''}`;
}

/** `mpdflow status ns/name`: state, flow, step, the last interrupt and a held disruptive transition. */
export async function statusCommand(target: string): Promise<void> {
  const ref = parseRef(target);
  const cluster = await clusters().get(ref);
  const wf = cluster.status?.workflow;
  const a = cluster.metadata.annotations ?? {};
  const lines = [
    `cluster:   ${ref.namespace}/${ref.name}`,
    `state:     ${cluster.status?.clusterStatus || '(none)'}`,
    `flow:      ${wf?.flowName ?? '-'} (${wf?.phase ?? '-'})`,
    `step:      ${wf?.step ? `${wf.stepIndex}/${wf.stepTotal} ${wf.step}` : '-'}`,
    `workflow:  ${wf?.workflowId ?? '-'}${wf?.webUiUrl ? `  ${wf.webUiUrl}` : ''}`,
    `interrupt: ${a[interruptAnnotations.reason] ? `${a[interruptAnnotations.reason]} at ${wf?.failedStep || '-'}: ${a[interruptAnnotations.message]} (previous state ${a[interruptAnnotations.previousStatus]}, recover=${a[interruptAnnotations.recover]})` : '-'}`,
    `held:      ${heldLine(cluster.status?.held)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
