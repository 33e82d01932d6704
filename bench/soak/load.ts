/**
 * The load: at random moments a random operation kind, then a random cluster it fits, one request per cluster at a
 * time (issued only on a quiet cluster, so each request maps to one transition), every request in the ledger.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { sleep } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { Gate } from './gate';
import type { Ledger } from './ledger';
import { isQuiet, settlePending, stableStates } from './observe';
import { operationKinds, planOperation, poolOf, weightOf, type OperationEnv, type OperationKind, type OperationPlan, type Pool } from './operations';
import type { Rng } from './rng';

export interface LoadContext {
  ledger: Ledger;
  temporal: Client;
  env: OperationEnv;
  gate: Gate;
  rng: Rng;
  maxInFlight: number;
  opTimeoutMs: number;
  log: Logger;
  /** Kinds the load issues first, in order, before it draws: what a short run must exercise. */
  opening?: OperationKind[];
}

/** The clusters as the API server has them now, by name; undefined while it cannot answer. */
export async function snapshot(ctx: LoadContext): Promise<Map<string, MPDCluster> | undefined> {
  try {
    const list = await ctx.gate.pass(() => ctx.env.clusters.list(ctx.env.namespace));
    return new Map(list.items.map((c) => [c.metadata.name!, c]));
  } catch {
    return undefined;
  }
}

/** Candidates of a pool, before the (costlier) quiet check: sorted, so a seed replays the same picks. */
function candidates(pool: Pool, ctx: LoadContext, byName: Map<string, MPDCluster>): string[] {
  return [...ctx.ledger.tracks.values()]
    .filter((t) => {
      const state = byName.get(t.name)?.status?.clusterStatus;
      if (t.stuck) return false;
      if (pool === 'busy') return Boolean(t.pending?.expectFlow && !t.pending.cancelled && !t.pending.rewritten && t.pending.pausedAtMs === undefined && t.pending.kind !== 'delete' && state && !stableStates.has(state));
      if (t.pending) return false;
      if (pool === 'gone') return t.gone && !byName.has(t.name);
      return !t.gone && state === (pool === 'running' ? 'Running' : 'Interrupt');
    })
    .map((t) => t.name)
    .sort();
}

/** The clusters a kind fits now, sorted (a seed replays the same picks). */
const fitting = (kind: OperationKind, ctx: LoadContext, byName: Map<string, MPDCluster>) =>
  [...new Set(poolOf[kind].flatMap((pool) => candidates(pool, ctx, byName)))].sort();

/** The next opening kind, planned on a quiet cluster it fits, if there is one now (else the load draws as usual). */
async function openingOn(ctx: LoadContext, byName: Map<string, MPDCluster>): Promise<{ kind: OperationKind; name: string; plan: OperationPlan } | undefined> {
  const kind = ctx.opening?.[0];
  if (!kind) return undefined;
  for (const name of fitting(kind, ctx, byName)) {
    const cluster = byName.get(name);
    // A cluster it cannot be asked of (a switch with no RO to switch to) is passed over, not retried forever.
    const plan = (await isQuiet(ctx.temporal, cluster)) ? planOperation(kind, name, cluster, ctx.rng, ctx.env) : undefined;
    if (plan) return { kind, name, plan };
  }
  return undefined;
}

/** Issues one request if one fits; returns whether it did. */
async function issueOne(ctx: LoadContext, byName: Map<string, MPDCluster>): Promise<boolean> {
  if (ctx.ledger.pendingCount() >= ctx.maxInFlight) return false;
  const open = operationKinds.filter((kind) => poolOf[kind].some((pool) => candidates(pool, ctx, byName).length > 0));
  if (open.length === 0) return false;
  const opening = await openingOn(ctx, byName);
  const kind: OperationKind = opening?.kind ?? ctx.rng.weighted(open, (k) => weightOf[k]);
  const name = opening?.name ?? ctx.rng.pick(fitting(kind, ctx, byName));
  const cluster = byName.get(name);
  if (!opening && !['recreate', 'cancel', 'rewrite', 'pause'].includes(kind) && !(await isQuiet(ctx.temporal, cluster))) return false;
  const plan = opening?.plan ?? planOperation(kind, name, cluster, ctx.rng, ctx.env);
  if (!plan) return false;
  try {
    await ctx.gate.pass(() => plan.apply());
  } catch (error) {
    ctx.log.warn({ cluster: name, kind, err: String(error) }, 'soak request failed; not counted');
    return false;
  }
  if (opening) ctx.opening!.shift();
  const request = ctx.ledger.record(
    {
      cluster: name,
      kind,
      detail: plan.detail,
      ...(plan.expectFlow ? { expectFlow: plan.expectFlow } : {}),
      ...(cluster?.metadata.uid ? { uid: cluster.metadata.uid } : {}),
      ...(cluster?.status?.workflow?.runId ? { runIdBefore: cluster.status.workflow.runId } : {}),
    },
    plan.consumed,
  );
  ctx.log.info({ seq: request.seq, cluster: name, kind, detail: plan.detail, flow: plan.expectFlow }, 'requested');
  return true;
}

/** Issues requests until `untilMs` (wall clock), settling pending ones as they end. */
export async function runLoad(ctx: LoadContext, untilMs: number): Promise<void> {
  while (Date.now() < untilMs) {
    const byName = await snapshot(ctx);
    if (byName) {
      await settlePending(ctx.ledger, byName, ctx.temporal, ctx.opTimeoutMs);
      await issueOne(ctx, byName);
    }
    // Random gaps between requests: part of the seeded load, not a wait for an outcome.
    await sleep(ctx.rng.int(200, 1500));
  }
}

/** Settles pending requests until none is left or `timeoutMs` passes; returns how many are still pending. */
export async function drain(ctx: LoadContext, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (ctx.ledger.pendingCount() > 0 && Date.now() < deadline) {
    const byName = await snapshot(ctx);
    if (byName) await settlePending(ctx.ledger, byName, ctx.temporal, ctx.opTimeoutMs);
    await sleep(1000);
  }
  return ctx.ledger.pendingCount();
}
