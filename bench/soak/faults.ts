/** Faults at seeded random moments, one at a time, each followed by a restart of what it broke. */
import type { Logger } from 'pino';
import { sleep } from '../../src/infra/wait';
import type { Fleet } from './fleet';
import type { Gate } from './gate';
import type { Rng } from './rng';
import type { SoakStack } from './soak-stack';

export const faultKinds = ['kill -9 worker', 'kill -9 leading controller', 'kube-apiserver restart', 'Temporal restart', 'SIGSTOP leading controller'] as const;
/** The kinds every run injects `faultsPerKind` of; pauses are counted separately. */
const everyRunKinds = faultKinds.slice(0, 4);
export type FaultKind = (typeof faultKinds)[number];

export interface PlannedFault {
  /** Offset from the start of the load phase. */
  atMs: number;
  kind: FaultKind;
  downtimeMs: number;
}

export interface FaultRecord extends PlannedFault {
  startedAtMs: number;
  tookMs: number;
  target: string;
  error?: string;
}

/** `perKind` faults of each kind (and `pauses` pauses) at uniform random moments within the load phase, in time order. */
export function faultSchedule(rng: Rng, perKind: number, durationMs: number, pauses = 0): PlannedFault[] {
  const plan: PlannedFault[] = [];
  const add = (kind: FaultKind) => plan.push({ atMs: Math.floor((0.03 + 0.9 * rng.next()) * durationMs), kind, downtimeMs: rng.int(0, 3000) });
  for (const kind of everyRunKinds) for (let i = 0; i < perKind; i++) add(kind);
  // Drawn after the others, so a seed replays the same four kinds with or without pauses.
  for (let i = 0; i < pauses; i++) add('SIGSTOP leading controller');
  return plan.sort((a, b) => a.atMs - b.atMs);
}

export interface FaultContext {
  fleet: Fleet;
  stack: SoakStack;
  gate: Gate;
  rng: Rng;
  leaseMs: number;
  log: Logger;
}

async function inject(fault: PlannedFault, ctx: FaultContext): Promise<string> {
  switch (fault.kind) {
    case 'kill -9 worker': {
      const index = ctx.rng.pick(ctx.fleet.indices('worker'));
      await ctx.fleet.crash('worker', index, fault.downtimeMs);
      return `worker-${index}`;
    }
    case 'kill -9 leading controller': {
      const index = await ctx.fleet.leader();
      await ctx.fleet.crash('controller', index, fault.downtimeMs);
      return `controller-${index}`;
    }
    case 'kube-apiserver restart':
      await ctx.gate.exclusive(() => ctx.stack.restartApiserver(fault.downtimeMs));
      return 'kube-apiserver';
    case 'Temporal restart':
      await ctx.stack.restartTemporal(fault.downtimeMs);
      return 'temporal';
    case 'SIGSTOP leading controller': {
      const index = await ctx.fleet.leader();
      await ctx.fleet.pause('controller', index, ctx.leaseMs + fault.downtimeMs);
      return `controller-${index}`;
    }
  }
}

/**
 * Runs the schedule from `startedAt` (wall clock), appending to `done` as it goes; a fault that falls due while
 * another runs follows it at once.
 */
export async function runFaults(schedule: PlannedFault[], startedAt: number, ctx: FaultContext, done: FaultRecord[]): Promise<void> {
  for (const fault of schedule) {
    const wait = startedAt + fault.atMs - Date.now();
    // Waiting for the fault's random moment: timing, not a check of anything.
    if (wait > 0) await sleep(wait);
    const began = Date.now();
    let target = '?';
    let error: string | undefined;
    try {
      target = await inject(fault, ctx);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const record: FaultRecord = { ...fault, startedAtMs: began - startedAt, tookMs: Date.now() - began, target, ...(error ? { error } : {}) };
    ctx.log.info(record, error ? 'fault failed' : 'fault injected');
    done.push(record);
  }
}
