/**
 * P1 and P4: a 10-step no-op flow against a hand-written workflow of 10 no-op activities, on the same server in the
 * same run, with the per-step progress on and off; and the Kubernetes writes each flow makes, counted by etcd.
 *   node --import tsx bench/flow-overhead.ts [runs=20] [counted=3]
 * Uses TEMPORAL_ADDRESS/KUBECONFIG/MPDFLOW_ETCD_URL when set, else starts the local servers.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { configFromEnv } from '../src/config';
import type { CompiledFlow } from '../src/contract/flow-definition';
import { transitionWorkflowId, type ResourceRef } from '../src/contract/flow-run';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import { mpdClusterRef } from '../src/kube/mpdcluster';
import { MpdClusterClient } from '../src/kube/mpdcluster-client';
import { announcedRun } from '../src/kube/run-status';
import { loadOperator } from '../src/operator-api/load-operator';
import { startFlow } from '../src/temporal/flow-client';
import { startWorker, type RunningWorker } from '../src/worker/run-worker';
import { isMain, median, ms, runStandalone, type BenchResult, type BenchRow } from './bench-table';
import { serverPids, withLocalStack } from './bench-stack';
import { CpuAccount } from './cpu-accounting';
import { etcdUrlFromEnv, writesByResource, writesDuring } from './etcd-writes';
import { meanTiming, runTiming, timingTable, type RunTiming } from './history-timing';
import { closeSafeInterceptors } from '../src/infra/close-safe-retry';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const steps = 10;
/** The state the bench's clusters are in while their flow runs (a transition, as the controller would record it). */
const benchState = 'Bench';
/** Who asked, as the controller records it with the transition and hands it to the run. */
const benchRequester = { who: 'bench', source: 'managedFields' as const };

export interface FlowOverheadOptions {
  /** Timed runs of each kind (after one warm-up). */
  runs: number;
  /** Runs whose writes are counted (apart from the timed ones: counting waits out an idle window). */
  counted: number;
}

export async function flowOverhead(options: FlowOverheadOptions): Promise<BenchResult> {
  const config = configFromEnv();
  const address = config.temporal.address!;
  const connection = await Connection.connect({ ...closeSafeInterceptors(), address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const kube = kubeClients(loadKubeConfig(config.kubeconfig));
  const clusters = new MpdClusterClient(kube);
  const ns = `bench-flow-${Date.now()}`;
  await kube.core.createNamespace({ body: { metadata: { name: ns } } });
  const operator = await loadOperator(here('./noop-steps.ts'));
  const flow = operator.flows.get('BenchNoop10')!;

  const engine = async (label: string, progress: boolean, auditKeep = config.auditKeep) => {
    const taskQueue = `bench-${label}-${Date.now()}`;
    const worker = await startWorker({ config: { ...config, auditKeep, temporal: { ...config.temporal, taskQueue }, flowWrites: { ...config.flowWrites, progress, stepEvents: false } }, operator });
    return { taskQueue, worker };
  };
  const on = await engine('progress', true);
  const off = await engine('quiet', false);
  const baselineConnection = await NativeConnection.connect({ address });
  const baselineQueue = `bench-baseline-${Date.now()}`;
  const baselineWorker = await Worker.create({
    connection: baselineConnection,
    namespace: config.temporal.namespace,
    taskQueue: baselineQueue,
    workflowsPath: here('./baseline-workflows.ts'),
    activities: { noop: async () => undefined },
  });
  const baselineRun = baselineWorker.run();

  let serial = 0;
  /** A cluster, as a user creates it. */
  const created = async (): Promise<{ ref: ResourceRef; workflowId: string }> => {
    const name = `c-${serial++}`;
    const cluster = await clusters.create({ metadata: { namespace: ns, name }, spec: { dbClusterType: 'share', followerNum: 0 } });
    const ref = mpdClusterRef(ns, name);
    return { ref, workflowId: transitionWorkflowId(ref, cluster.metadata.uid!, 1) };
  };
  /** The controller's transition write, which shows the run's first step (the controller's own work before the start). */
  const announce = async ({ ref, workflowId }: { ref: ResourceRef; workflowId: string }) => {
    await clusters.patchStatus(ref, {
      clusterStatus: benchState,
      transition: { id: 1, from: 'Running', to: benchState, flowName: flow.flowName, event: 'Bench', params: {}, resumes: 0, resumeFrom: '', workflowId, requestedBy: benchRequester },
      workflow: announcedRun(flow, { workflowId }, undefined),
    });
  };
  /** A cluster in a recorded transition, as the controller leaves it before it starts the run (its first step shown). */
  const prepared = async (): Promise<{ ref: ResourceRef; workflowId: string }> => {
    const target = await created();
    await announce(target);
    return target;
  };
  const runEngine = async (taskQueue: string, target: { ref: ResourceRef; workflowId: string }, compiled: CompiledFlow) =>
    (await startFlow(client, taskQueue, { flow: compiled, resource: target.ref, state: benchState, workflowId: target.workflowId, idReuse: 'never', announced: true, requestedBy: benchRequester })).result();

  const timed = { on: [] as number[], off: [] as number[], baseline: [] as number[] };
  const timings = { on: [] as RunTiming[], off: [] as RunTiming[], baseline: [] as RunTiming[] };
  const ratios = { on: [] as number[], off: [] as number[] };
  const pids = serverPids();
  const cpu = new CpuAccount(pids);
  const labels = { on: 'mpdflow (progress on)', off: 'mpdflow (progress off)', baseline: 'hand-written' } as const;
  // Interleaved, in a rotating order, so all three see the same server load; the first round is a warm-up.
  for (let i = 0; i <= options.runs; i++) {
    const targets = { on: await created(), off: await created() };
    const baselineId = `${baselineQueue}-${i}`;
    const round: Record<'on' | 'off' | 'baseline', number> = { on: 0, off: 0, baseline: 0 };
    const kinds = (['on', 'off', 'baseline'] as const).map((_, k, all) => all[(k + i) % all.length]!);
    for (const kind of kinds) {
      let t = 0;
      await cpu.measure(i === 0 ? 'warm-up' : labels[kind], async () => {
        // The transition's write is mpdflow's CPU (the controller's), not the flow's time: P1 times the run.
        if (kind !== 'baseline') await announce(targets[kind]);
        t = performance.now();
        if (kind === 'baseline') await client.workflow.execute('tenActivities', { taskQueue: baselineQueue, workflowId: baselineId });
        else await runEngine(kind === 'on' ? on.taskQueue : off.taskQueue, targets[kind], flow);
        // Background writes count against the run that made them.
        if (kind === 'on') await on.worker.settled();
        if (kind === 'off') await off.worker.settled();
        round[kind] = performance.now() - t;
      });
    }
    if (i === 0) continue;
    for (const kind of ['on', 'off', 'baseline'] as const) timed[kind].push(round[kind]);
    ratios.on.push(round.on / round.baseline);
    ratios.off.push(round.off / round.baseline);
    timings.on.push(await runTiming(client, targets.on.workflowId));
    timings.off.push(await runTiming(client, targets.off.workflowId));
    timings.baseline.push(await runTiming(client, baselineId));
  }

  const etcdUrl = etcdUrlFromEnv();
  /** Writes per counted run, and the last run's writes by resource (the profile of what a flow writes). */
  const count = async (engineWorker: { taskQueue: string; worker: RunningWorker }) => {
    const counts: number[] = [];
    let byResource: Record<string, number> = {};
    for (let i = 0; i < options.counted; i++) {
      const target = await prepared();
      const { writes, before, after } = await writesDuring(etcdUrl, async () => {
        await runEngine(engineWorker.taskQueue, target, flow);
        await engineWorker.worker.settled();
      });
      counts.push(writes);
      byResource = await writesByResource(etcdUrl, before, after, ns);
    }
    return { counts, byResource };
  };
  const { counts: writesOn, byResource: profileOn } = await count(on);
  const { counts: writesOff, byResource: profileOff } = await count(off);
  // Only counted (started after the timed runs, so its pollers add nothing to them): progress on, without the audit
  // record (issue 14's, which came after P4's goal).
  const unaudited = await engine('unaudited', true, 0);
  const { counts: writesUnaudited } = await count(unaudited);
  const profile = (byResource: Record<string, number>) =>
    Object.entries(byResource)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([resource, writes]) => `${resource} ${writes}`)
      .join(', ');

  baselineWorker.shutdown();
  await baselineRun;
  await on.worker.shutdown();
  await off.worker.shutdown();
  await unaudited.worker.shutdown();
  await connection.close();

  const b = median(timed.baseline);
  const writeGoal = steps + 2;
  return {
    rows: [
      {
        metric: `P1 10-step no-op flow, progress on (median of ${options.runs}; ratio: median of paired runs)`,
        mpdflow: ms(median(timed.on)),
        floor: `${ms(b)} (hand-written, 10 activities)`,
        ratio: median(ratios.on),
        goal: '≤ 1.10',
        met: median(ratios.on) <= 1.1,
      },
      {
        metric: 'P1 10-step no-op flow, progress off (MPDFLOW_PROGRESS=off)',
        mpdflow: ms(median(timed.off)),
        floor: `${ms(b)} (hand-written, 10 activities)`,
        ratio: median(ratios.off),
        goal: '≤ 1.03',
        met: median(ratios.off) <= 1.03,
      },
      ...(Object.keys(pids).length > 0 ? [cpuRow(cpu, labels, options.runs)] : []),
      {
        metric: `P4 Kubernetes writes per 10-step no-op flow, progress on (etcd revisions, median of ${options.counted})`,
        mpdflow: String(median(writesOn)),
        floor: `${steps} (one per step)`,
        ratio: median(writesOn) / steps,
        goal: `≤ N + 2 = ${writeGoal}`,
        met: median(writesOn) <= writeGoal,
      },
      {
        metric: 'P4 Kubernetes writes per 10-step no-op flow, progress on, no audit record (MPDFLOW_AUDIT_KEEP=0)',
        mpdflow: String(median(writesUnaudited)),
        floor: `${steps} (one per step)`,
        ratio: median(writesUnaudited) / steps,
        goal: `≤ N + 2 = ${writeGoal}`,
        met: median(writesUnaudited) <= writeGoal,
      },
      {
        metric: 'P4 Kubernetes writes per 10-step no-op flow, progress off',
        mpdflow: String(median(writesOff)),
        floor: `${steps} (one per step)`,
        ratio: median(writesOff) / steps,
        goal: `≤ N + 2 = ${writeGoal}`,
        met: median(writesOff) <= writeGoal,
      },
    ],
    notes: [
      `P1 profile: where a run's time goes, from the server's history timestamps (mean ms per run over ${options.runs} runs)\n` +
        timingTable({ 'mpdflow (progress on)': meanTiming(timings.on), 'mpdflow (progress off)': meanTiming(timings.off), 'hand-written': meanTiming(timings.baseline) }),
      ...(Object.keys(pids).length > 0 ? [`P1 CPU: what each run costs the servers and this process (the machine's cores are shared by all of them)\n${cpu.table()}`] : []),
      `P4 writes per flow, each counted run: progress on ${writesOn.join(', ')}; progress on without the audit record ${writesUnaudited.join(', ')}; progress off ${writesOff.join(', ')}\n` +
        `P4 profile, the last counted run's writes to its namespace by resource (etcd key versions): progress on: ${profile(profileOn)}; progress off: ${profile(profileOff)}`,
    ],
  };
}

/**
 * CPU per flow: every process's CPU while a run goes (Temporal, kube-apiserver, etcd, and this one: the worker, the
 * controller's transition write, the client), mpdflow with progress on against the hand-written workflow, same run.
 */
function cpuRow(cpu: CpuAccount, labels: { on: string; off: string; baseline: string }, runs: number): BenchRow {
  const mpdflow = cpu.meanTotal(labels.on);
  const floor = cpu.meanTotal(labels.baseline);
  return {
    metric: `CPU per flow, 10-step no-op flow, progress on: all processes (Temporal, kube-apiserver, etcd, worker and client; mean of ${runs}; progress off ${ms(cpu.meanTotal(labels.off))})`,
    mpdflow: ms(mpdflow),
    floor: `${ms(floor)} (hand-written, 10 activities)`,
    ratio: mpdflow / floor,
    goal: '≤ 1.30',
    met: mpdflow / floor <= 1.3,
  };
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 20);
  const counted = Number(process.argv[3] ?? 3);
  runStandalone(() => withLocalStack(() => flowOverhead({ runs, counted })));
}
