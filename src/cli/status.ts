import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { progressQuery, type FlowProgress } from '../contract/flow-run';
import { interruptAnnotations } from '../kube/annotations';
import { apiStatus } from '../kube/client';
import { errorText } from '../kube/error-text';
import type { MPDCluster } from '../kube/mpdcluster';
import type { HeldStatus } from '../kube/mpdcluster-schema';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import { CliEnvironmentError, cliClusters, cliKube, withCliTemporal } from './cli-environment';
import { instanceLines } from './status-instances';
import { parseRef } from './cluster-ref';
import { clustersTable, refusal, runHold, stepOf, shownState, watchLines, watchScreen, type WatchedFlow } from './status-view';

/** The cluster, or undefined when there is none of that name (a person reads "not found", not a 404 dump). */
async function find(clusters: MpdClusterClient, target: string): Promise<MPDCluster | undefined> {
  try {
    return await clusters.get(parseRef(target));
  } catch (error) {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  }
}

/** A held run (approval, pause), else a waiting disruptive transition (fleet): what, why, until when. */
function heldLine(cluster: MPDCluster): string {
  const run = runHold(cluster);
  if (run) return run;
  const held: HeldStatus | undefined = cluster.status?.held;
  if (!held) return '-';
  const until = held.nextWindowStart ? ` until ${held.nextWindowStart}` : held.budget ? ` (budget ${held.budget})` : '';
  return `${held.to} ${held.reason}${until} since ${held.since}: ${held.message ?? ''}`;
}

function details(target: string, cluster: MPDCluster): string {
  const wf = cluster.status?.workflow;
  const a = cluster.metadata.annotations ?? {};
  const refused = refusal(cluster);
  const lines = [
    `cluster:   ${target}`,
    `state:     ${shownState(cluster)}`,
    ...(refused ? [`input:     InputValid=False ${refused.reason ?? ''}: ${refused.message ?? ''}`] : []),
    `flow:      ${wf?.flowName ?? '-'} (${wf?.phase ?? '-'})`,
    `step:      ${wf?.stepTotal ? stepOf(wf) : '-'}`,
    ...(wf?.attempt ? [`attempt:   ${wf.attempt}${wf.lastError ? ` after: ${wf.lastError}` : ''}`] : []),
    `workflow:  ${wf?.workflowId ?? '-'}${wf?.webUiUrl ? `  ${wf.webUiUrl}` : ''}`,
    `held:      ${heldLine(cluster)}`,
    `interrupt: ${a[interruptAnnotations.reason] ? `${a[interruptAnnotations.reason]} at ${wf?.failedStep || '-'}: ${a[interruptAnnotations.message]} (previous state ${a[interruptAnnotations.previousStatus]}, recover=${a[interruptAnnotations.recover]})` : '-'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `mpdflow status`: every cluster as a table; `status ns/name`: one cluster; `--watch ns/name`: its flows live (a
 * redrawn view on a terminal, a line per change otherwise) until the flow it saw running ends.
 */
export async function statusCommand(target: string | undefined, options: { watch?: boolean; namespace?: string } = {}): Promise<void> {
  const clusters = cliClusters();
  if (!target) {
    if (options.watch) throw new Error('--watch needs a cluster: mpdflow status --watch <namespace/name>');
    process.stdout.write(clustersTable((await clusters.list(options.namespace)).items));
    return;
  }
  if (options.watch) return watch(clusters, target);
  const cluster = await find(clusters, target);
  if (!cluster) throw new Error(`${target}: not found`);
  process.stdout.write(details(target, cluster));
  const instances = await instanceLines(cliKube(), cluster);
  if (instances.length) process.stdout.write(`${instances.join('\n')}\n`);
}

/** The run's own account of its steps; undefined when Temporal cannot answer (the cluster's status is used then). */
async function progressOf(client: Client | undefined, workflowId: string): Promise<FlowProgress | undefined> {
  if (!client) return undefined;
  try {
    return await client.workflow.getHandle(workflowId).query(progressQuery);
  } catch {
    return undefined;
  }
}

const phaseOf = (progress: FlowProgress | undefined, fallback: string) => (progress ? progress.phase[0]!.toUpperCase() + progress.phase.slice(1) : fallback);

async function watch(clusters: MpdClusterClient, target: string): Promise<void> {
  const tty = Boolean(process.stdout.isTTY);
  const follow = async (client: Client | undefined) => {
    const flows = new Map<string, WatchedFlow>();
    const seenRunning = new Set<string>();
    const printed = new Set<string>();
    let drawnLines = 0;
    for (;;) {
      const cluster = await find(clusters, target);
      const wf = cluster?.status?.workflow;
      const current = wf?.workflowId;
      if (current) {
        const progress = await progressOf(client, current);
        flows.set(current, {
          workflowId: current,
          ...(progress ? { progress } : {}),
          flowName: wf.flowName ?? progress?.flowName ?? '?',
          phase: phaseOf(progress, wf.phase ?? 'Running'),
          index: progress?.index ?? wf.stepIndex ?? 0,
          total: progress?.total ?? wf.stepTotal ?? 0,
          ...(wf.step ? { step: wf.step } : {}),
          ...(wf.attempt ? { attempt: wf.attempt } : {}),
          ...(wf.lastError ? { lastError: wf.lastError } : {}),
        });
      }
      const shown = [...flows.values()];
      if (tty) {
        const screen = watchScreen(target, cluster, shown);
        // Back to the top of the last drawing, then draw over it (each line cleared to its end).
        process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A` : ''}${screen.replace(/\n/g, '\x1b[K\n')}\x1b[J`);
        drawnLines = screen.split('\n').length - 1;
      } else {
        for (const line of watchLines(target, cluster, shown, printed)) process.stdout.write(`${line}\n`);
      }
      if (!cluster) throw new Error(`${target}: not found`);
      const latest = current ? flows.get(current) : undefined;
      if (latest && latest.phase !== 'Completed' && latest.phase !== 'Interrupted') seenRunning.add(latest.workflowId);
      if (latest && seenRunning.has(latest.workflowId) && (latest.phase === 'Completed' || latest.phase === 'Interrupted')) return;
      await sleep(500);
    }
  };
  // Temporal adds each step's outcome and duration; without it (not reachable) the cluster's status still shows progress.
  try {
    await withCliTemporal((client) => follow(client));
  } catch (error) {
    if (!(error instanceof CliEnvironmentError)) throw error;
    process.stderr.write(`mpdflow: ${errorText(error)}; showing the cluster's status only\n`);
    await follow(undefined);
  }
}
