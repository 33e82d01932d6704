/** The soak's verdict: each invariant with its value and the clusters that break it. */
import type { Census } from './census';
import type { Ledger } from './ledger';
import { labels } from '../../activities/shared/instances';
import { parseWorkflowId } from './workflow-ids';
import { flows as soakFlows } from './operations';

export interface InvariantResult {
  name: string;
  ok: boolean;
  value: string;
  /** One line per offender (cluster and what is wrong). */
  detail: string[];
}

/** A flow writes about two Events per step; 40 per run is generous, a loop blows through it. */
export const eventsPerRunBound = 40;

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * A migrate moves the instance by its role when it fires (MigrateRw or MigrateRo), which an earlier request still queued
 * may change after the harness asked (the twelfth 25-cluster soak: a switch to ins-3, held by the budget, ran first, and
 * a migrate of ins-3 asked as MigrateRo timed out held, then ran as MigrateRw): both are counted as one kind of flow.
 */
const migrations = `${soakFlows.migrateRw} or ${soakFlows.migrateRo}`;
const countedAs = (flow: string) => (flow === soakFlows.migrateRw || flow === soakFlows.migrateRo ? migrations : flow);

export function exactlyOnce(ledger: Ledger, census: Census): InvariantResult[] {
  const actual = countBy(census.runs, (r) => `${r.cluster}\t${countedAs(r.flow)}`);
  const names = new Set([...ledger.tracks.keys(), ...census.runs.map((r) => r.cluster)]);
  const dup: string[] = [];
  const lost: string[] = [];
  const retried: string[] = [];
  let dupCount = 0;
  let lostCount = 0;
  for (const name of [...names].sort()) {
    const expected = new Map<string, number>();
    for (const [flow, n] of ledger.expectedFlows(name)) expected.set(countedAs(flow), (expected.get(countedAs(flow)) ?? 0) + n);
    const flows = new Set([...expected.keys(), ...[...actual.keys()].filter((k) => k.startsWith(`${name}\t`)).map((k) => k.split('\t')[1]!)]);
    for (const flow of [...flows].sort()) {
      const want = expected.get(flow) ?? 0;
      const got = actual.get(`${name}\t${flow}`) ?? 0;
      // A failed Rebuild keeps its request and is fired again (the interrupt is its own row); a cancel consumes its
      // request, so a cancelled operation that ran again unasked is a duplicate.
      if (got > want && flow === soakFlows.rebuild && ledger.track(name).rebuildFailed) {
        retried.push(`${name} ${flow}: requested ${want}, ran ${got} (a Rebuild failed, and Interrupt → Rebuild fired it again)`);
      } else if (got > want) {
        dupCount += got - want;
        dup.push(`${name} ${flow}: requested ${want}, ran ${got}`);
      }
      if (got < want) {
        lostCount += want - got;
        lost.push(`${name} ${flow}: requested ${want}, ran ${got}`);
      }
    }
  }
  // Per-transition ids: a second run under one id is a duplicate of that transition whatever the counts say.
  for (const [id, runs] of countBy(census.runs.filter((r) => parseWorkflowId(r.workflowId)?.transition !== undefined), (r) => r.workflowId)) {
    if (runs > 1) {
      dupCount += runs - 1;
      dup.push(`${id}: ${runs} runs under one transition id`);
    }
  }
  const open = census.runs.filter((r) => r.status === 'RUNNING');
  const withdrawn = ledger.requests.filter((r) => r.doneAlready).map((r) => `${r.cluster} #${r.seq} ${r.detail}: ${r.doneAlready}`);
  return [
    { name: 'no duplicate run (per cluster and flow)', ok: dupCount === 0, value: String(dupCount), detail: dup },
    { name: 'no lost request (per cluster and flow)', ok: lostCount === 0, value: String(lostCount), detail: lost },
    { name: 'no run still open at the end', ok: open.length === 0, value: String(open.length), detail: open.map((r) => `${r.cluster} ${r.flow} ${r.workflowId}`) },
    { name: 'no flow still starting at the end (no loop)', ok: census.churn.length === 0, value: String(census.churn.length), detail: census.churn },
    { name: 'Rebuilds fired again after a failed Rebuild (the seed\'s rule; counted, not a duplicate)', ok: true, value: String(retried.length), detail: retried },
    { name: 'requests withdrawn by the operator as done already (counted, not lost)', ok: true, value: String(withdrawn.length), detail: withdrawn },
  ];
}

/** One cluster (one incarnation: its uid) runs one flow at a time: a run starts only after the one before it closed. */
export function oneRunAtATime(census: Census): InvariantResult {
  const byIncarnation = new Map<string, typeof census.runs>();
  for (const run of census.runs) {
    const key = `${run.cluster}/${parseWorkflowId(run.workflowId)?.uid ?? '?'}`;
    byIncarnation.set(key, [...(byIncarnation.get(key) ?? []), run]);
  }
  const overlaps: string[] = [];
  for (const [key, runs] of byIncarnation) {
    const ordered = [...runs].sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < ordered.length; i++) {
      const before = ordered[i - 1]!;
      const run = ordered[i]!;
      if (before.closeMs === undefined || run.startMs < before.closeMs) {
        overlaps.push(`${key}: ${run.workflowId} (${run.flow}) started while ${before.workflowId} (${before.flow}) was open`);
      }
    }
  }
  return { name: 'no two runs of one cluster open at once', ok: overlaps.length === 0, value: String(overlaps.length), detail: overlaps };
}

export function stability(ledger: Ledger, census: Census): InvariantResult[] {
  const unstable: string[] = [];
  for (const track of ledger.tracks.values()) {
    const cluster = census.clusters.get(track.name);
    const state = cluster?.status?.clusterStatus;
    if (track.gone && !cluster) continue;
    if (track.gone) unstable.push(`${track.name}: deleted but still there (${state}, deleting since ${cluster?.metadata.deletionTimestamp})`);
    else if (!cluster) unstable.push(`${track.name}: gone, never deleted by the soak`);
    else if (state === 'Running' || (state === 'Interrupt' && track.cancelHold)) continue;
    else unstable.push(`${track.name}: ${state}${state === 'Interrupt' ? ` (${cluster.metadata.annotations?.['interrupt.reason']}, no cancel or rejection)` : ''}`);
  }
  const interrupts = [...ledger.tracks.values()].flatMap((t) => t.unexpectedInterrupts.map((i) => `${t.name} ${i}`));
  const total = [...ledger.tracks.values()].filter((t) => !t.gone).length;
  return [
    { name: 'every cluster stable (Running, or Interrupt after a cancel or a rejection)', ok: unstable.length === 0, value: `${total - unstable.length}/${total}`, detail: unstable },
    { name: 'no request ended in Interrupt without a cancel or a rejection', ok: interrupts.length === 0, value: String(interrupts.length), detail: interrupts },
  ];
}

export function podsAndTopology(census: Census): InvariantResult[] {
  const orphans: string[] = [];
  const missing: string[] = [];
  const topology: string[] = [];
  for (const pod of census.pods) {
    const name = pod.metadata?.labels?.[labels.cluster] ?? '?';
    const insId = pod.metadata?.labels?.[labels.insId] ?? '?';
    const cluster = census.clusters.get(name);
    const owner = pod.metadata?.ownerReferences?.[0]?.uid;
    if (!cluster) orphans.push(`${pod.metadata?.name}: its cluster ${name} is gone`);
    else if (owner !== cluster.metadata.uid) orphans.push(`${pod.metadata?.name}: owned by an earlier ${name}`);
    else if (!cluster.status?.dbInstanceStatus?.[insId]) orphans.push(`${pod.metadata?.name}: ${insId} is not in status.dbInstanceStatus`);
  }
  for (const [name, cluster] of census.clusters) {
    if (cluster.status?.clusterStatus !== 'Running') continue;
    const entries = Object.entries(cluster.status.dbInstanceStatus ?? {});
    const podNames = new Set(census.pods.filter((p) => p.metadata?.labels?.[labels.cluster] === name).map((p) => p.metadata?.labels?.[labels.insId]));
    for (const [insId] of entries) if (!podNames.has(insId)) missing.push(`${name}: ${insId} has no pod`);
    const rw = entries.filter(([, ins]) => ins.insType === 'rw').map(([id]) => id);
    const ro = entries.filter(([, ins]) => ins.insType === 'ro').length;
    const other = entries.filter(([, ins]) => ins.insType !== 'rw' && ins.insType !== 'ro').map(([id]) => id);
    const problems = [
      ...(rw.length !== 1 ? [`${rw.length} rw`] : []),
      ...(rw[0] !== cluster.status.leaderInstanceId ? [`leader ${cluster.status.leaderInstanceId} is not the rw ${rw[0]}`] : []),
      ...(ro !== (cluster.spec.followerNum ?? 0) ? [`${ro} ro for followerNum ${cluster.spec.followerNum ?? 0}`] : []),
      ...(other.length ? [`leftover ${other.join(',')}`] : []),
    ];
    if (problems.length) topology.push(`${name}: ${problems.join('; ')}`);
  }
  return [
    { name: 'no orphaned or extra pod', ok: orphans.length === 0, value: String(orphans.length), detail: orphans },
    { name: 'no instance without its pod (Running clusters)', ok: missing.length === 0, value: String(missing.length), detail: missing },
    { name: 'instances match the spec (Running clusters)', ok: topology.length === 0, value: String(topology.length), detail: topology },
  ];
}

export function eventsBounded(ledger: Ledger, census: Census): InvariantResult {
  const over: string[] = [];
  let max = 0;
  for (const [name, count] of census.events) {
    const runs = [...ledger.expectedFlows(name).values()].reduce((a, b) => a + b, 0);
    const bound = eventsPerRunBound * (runs + 1);
    max = Math.max(max, count);
    if (count > bound) over.push(`${name}: ${count} Events for ${runs} requested runs (bound ${bound})`);
  }
  return { name: `Events per cluster bounded (${eventsPerRunBound} per requested run)`, ok: over.length === 0, value: `max ${max}`, detail: over };
}

/** A request on a quiet cluster runs its own flow; another one means a left-over trigger (or another run) won. */
export function ranTheirFlow(ledger: Ledger): InvariantResult {
  const wrong = ledger.requests
    .filter((r) => r.outcome === 'ran' && r.expectFlow && r.ranFlow && r.kind !== 'delete' && r.ranFlow !== r.expectFlow)
    .map((r) => `${r.cluster} #${r.seq} ${r.kind} (${r.detail}): asked for ${r.expectFlow}, ran ${r.ranFlow}`);
  return { name: 'each request ran the flow it asked for', ok: wrong.length === 0, value: String(wrong.length), detail: wrong };
}

export function checkInvariants(ledger: Ledger, census: Census): InvariantResult[] {
  return [...exactlyOnce(ledger, census), oneRunAtATime(census), ranTheirFlow(ledger), ...stability(ledger, census), ...podsAndTopology(census), eventsBounded(ledger, census)];
}
