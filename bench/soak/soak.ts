/**
 * The fault soak: its own servers, N clusters, two leader-elected controllers and the workers as separate
 * processes; a seeded random load of user operations and seeded random faults; then, once every cluster is quiet,
 * the invariants. `runSoak` returns the report; `main.ts` prints it and sets the exit code.
 */
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { say } from '../../src/infra/log';
import { sleep } from '../../src/infra/wait';
import { takeCensus } from './census';
import { faultSchedule, runFaults, type FaultRecord } from './faults';
import { actsAfterLostLease } from './fencing';
import { Fleet } from './fleet';
import { Gate } from './gate';
import { checkInvariants } from './invariants';
import { answerApprovals, gatesHeld, soakGates } from './approvals';
import { gatedFlows } from '../../test/helpers/gated-flows';
import { startDataWriters } from './data-writers';
import { goFlowsTakenOver } from './go-handback';
import { executedSteps } from '../../test/helpers/step-executions';
import { Ledger } from './ledger';
import { drain, runLoad, snapshot, type LoadContext } from './load';
import { isQuiet } from './observe';
import { flows, soakMetadata, soakSpec } from './operations';
import type { SoakOptions } from './options';
import { formatReport, type SoakReport } from './report';
import { Rng } from './rng';
import { startSoakStack } from './soak-stack';

export interface SoakOutcome {
  ok: boolean;
  text: string;
  report: SoakReport;
  dataDir: string;
}

/** Waits (bounded) until every cluster the soak still has is quiet, so the census sees finished work only. */
async function waitAllQuiet(ctx: LoadContext, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let restless: string[] = [];
  do {
    const byName = await snapshot(ctx);
    if (byName) {
      // A request that timed out while held can still start after the drain and meet its gate: it is answered here too.
      await answerApprovals(ctx.ledger, byName, ctx.temporal);
      restless = [];
      for (const [name, cluster] of byName) if (!(await isQuiet(ctx.temporal, cluster))) restless.push(name);
      if (restless.length === 0) return [];
    }
    await sleep(1000);
  } while (Date.now() < deadline);
  return restless;
}

async function createClusters(ctx: LoadContext, count: number, rng: Rng, minFollowers = 0): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const name = `pc-${i}`;
    const followers = Math.max(minFollowers, rng.int(0, 2));
    await ctx.env.clusters.create({ metadata: soakMetadata(ctx.env, name), spec: soakSpec(name, followers) });
    ctx.ledger.record({ cluster: name, kind: 'create', detail: `followerNum=${followers}`, expectFlow: flows.create }, (c) => c?.status?.clusterStatus === 'Running');
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakOutcome> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mpdflow-soak-'));
  mkdirSync(dataDir, { recursive: true });
  const log: Logger = pino({ name: 'soak', level: 'info' }, pino.destination({ dest: join(dataDir, 'soak.log'), sync: false }));
  say(`soak seed ${options.seed} (replay: SOAK_SEED=${options.seed}); ${options.clusters} clusters on ${options.nodes} node(s), ${options.durationMs / 1000} s of load, ${options.faultsPerKind} faults of each kind${options.pauses ? `, ${options.pauses} leader pauses` : ''}${options.budget ? `, disruption budget ${options.budget}` : ''}${options.windowEvery ? `, a maintenance window on every ${options.windowEvery}th cluster` : ''}; data in ${dataDir}`);
  const startedAt = Date.now();
  const root = new Rng(options.seed);
  const [createRng, loadRng, faultRng, targetRng] = [root.fork(), root.fork(), root.fork(), root.fork()];
  const stack = await startSoakStack(dataDir, options.namespace, log, options.nodes);
  const flowsDir = gatedFlows(soakGates, join(dataDir, 'flows'));
  const fleet = new Fleet({ env: stack.env, logDir: join(dataDir, 'logs'), namespace: options.namespace, controllers: 2, workers: options.workers, leaseSeconds: options.leaseSeconds, budget: options.budget, flowsDir });
  let progress: NodeJS.Timeout | undefined;
  try {
    await fleet.start();
    const ledger = new Ledger(join(dataDir, 'ledger.jsonl'), startedAt);
    const gate = new Gate();
    const ctx: LoadContext = {
      ledger, temporal: stack.temporal, gate, rng: loadRng, maxInFlight: options.maxInFlight, opTimeoutMs: options.opTimeoutMs, log, opening: [...(options.opening ?? [])],
      env: { clusters: stack.clusters, kube: stack.kube, namespace: options.namespace, nodes: stack.nodes, windowEvery: options.windowEvery, temporal: stack.temporal },
    };
    const faults: FaultRecord[] = [];
    progress = setInterval(() => say(`soak ${Math.round((Date.now() - startedAt) / 1000)} s: ${ledger.requests.length} requests, ${ledger.pendingCount()} pending, ${faults.length} faults`), 30_000);
    await createClusters(ctx, options.clusters, createRng, options.minFollowers);
    await drain(ctx, options.settleMs);
    // Counted on the API server: a create that ran out of time ends its request without its cluster being Running.
    const running = [...((await snapshot(ctx)) ?? new Map()).values()].filter((c) => c.status?.clusterStatus === 'Running').map((c) => c.metadata.name!);
    say(`setup: ${running.length}/${options.clusters} clusters Running after ${Math.round((Date.now() - startedAt) / 1000)} s`);
    // Up to 10 Running clusters take rows through their -rw Service from here to the end: none acknowledged may be lost
    // (one still being created is not yet the cluster whose commits the guarantee covers).
    const writerNames = running.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3))).slice(0, 10);
    const writers = await startDataWriters(stack.kube, options.namespace, writerNames, options.durationMs + 2 * options.settleMs + 600_000);

    const loadStart = Date.now();
    const schedule = faultSchedule(faultRng, options.faultsPerKind, options.durationMs, options.pauses);
    await Promise.all([
      runFaults(schedule, loadStart, { fleet, stack, gate, rng: targetRng, leaseMs: options.leaseSeconds * 1000, log }, faults),
      runLoad(ctx, loadStart + options.durationMs),
    ]);
    const loadMs = Date.now() - loadStart;
    say(`load done: ${ledger.requests.length} requests, ${faults.length} faults; waiting for every cluster to be stable`);

    const settleStart = Date.now();
    // A fleet that does not come back is a finding, not the end of the run: the invariants say what it left behind.
    const notReady = await fleet.allReady().then(() => '', (error: unknown) => (error as Error).message.split('\n')[0]!.slice(0, 300));
    if (notReady) say(`the fleet was not ready after the load; the invariants are computed anyway: ${notReady}`);
    await drain(ctx, options.settleMs);
    const restless = await waitAllQuiet(ctx, Math.max(10_000, options.settleMs - (Date.now() - settleStart)));
    if (restless.length) say(`still not quiet after the settle bound: ${restless.join(', ')}`);
    await writers.stop();
    const census = await takeCensus(stack, options.namespace);
    const invariants = [
      { name: 'every controller and worker ready again after the load', ok: !notReady, value: notReady ? 'no' : 'yes', detail: notReady ? [notReady] : [] },
      ...checkInvariants(ledger, census),
      await gatesHeld(ledger, census, async (workflowId) => (await executedSteps(stack.temporal, workflowId)).map((s) => s.stepName)),
      actsAfterLostLease(join(dataDir, 'logs')), await writers.invariant(ledger),
      await goFlowsTakenOver(ledger, stack.temporal),
    ];
    const report: SoakReport = {
      seed: options.seed, clusters: options.clusters, durationMs: Date.now() - startedAt, loadMs, ledger, faults,
      selfExits: fleet.selfExits, dualLeaderSamples: fleet.dualLeaderSamples, hungAfterPause: fleet.hungAfterPause, invariants,
    };
    return { ok: invariants.every((i) => i.ok), text: formatReport(report), report, dataDir };
  } finally {
    clearInterval(progress);
    await fleet.stop().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    log.flush();
  }
}
