/**
 * Fencing, read from the controllers' JSON logs: every action a controller logs must have passed the fence while its
 * lease was still valid. An action logged after "lost leadership" is fine when its fence came first (a write that
 * was already in flight); one fenced later, or logged with no fence time, is a violation. The action messages are
 * the reconciler's; adjust `actionMessages` when they change.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InvariantResult } from './invariants';

const actionMessages = [
  /^set cluster status/,
  /^recorded the transition/,
  /^flow started/,
  /^flow already started/, // a start request all the same
  /^cancel signalled/,
  /^cancel request ignored/,
  /^recover interrupted/,
  /^released; finalizer removed/,
  /^terminating an unfinished flow/,
  /^the run closed without recording an interrupt/,
  /^failover: the HA manager promoted/, // the engine-role watch's status write
];

interface LogLine {
  pid?: number;
  time?: number;
  msg?: string;
  cluster?: string;
  fencedAt?: number;
  validUntil?: number;
}

function parse(line: string): LogLine | undefined {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

/** The violations in one controller log: actions fenced after (or without a fence, logged after) the lease ended. */
export function fenceViolations(lines: string[], file = 'log'): string[] {
  const acts: string[] = [];
  const leaseEnd = new Map<number, number>();
  for (const line of lines) {
    const entry = parse(line);
    if (!entry?.pid || !entry.msg) continue;
    if (entry.msg.startsWith('became leader')) leaseEnd.delete(entry.pid);
    else if (entry.msg.startsWith('lost leadership')) {
      const loggedAt = entry.time ?? 0;
      if (!leaseEnd.has(entry.pid)) leaseEnd.set(entry.pid, Math.min(entry.validUntil ?? loggedAt, loggedAt));
    } else if (actionMessages.some((m) => m.test(entry.msg!))) {
      const end = leaseEnd.get(entry.pid);
      if (entry.fencedAt === undefined) {
        if (end !== undefined) acts.push(`${file} pid ${entry.pid}: "${entry.msg}" on ${entry.cluster ?? '?'} logged after losing the lease, with no fence time`);
      } else if (end !== undefined && entry.fencedAt >= end) {
        acts.push(`${file} pid ${entry.pid}: "${entry.msg}" on ${entry.cluster ?? '?'} fenced ${entry.fencedAt - end} ms after the lease ended`);
      }
    }
  }
  return acts;
}

export function actsAfterLostLease(logDir: string): InvariantResult {
  const acts: string[] = [];
  for (const file of readdirSync(logDir).filter((f) => f.startsWith('controller-')).sort()) {
    acts.push(...fenceViolations(readFileSync(join(logDir, file), 'utf8').split('\n'), file));
  }
  return { name: 'no controller acts after losing its lease', ok: acts.length === 0, value: String(acts.length), detail: acts };
}
