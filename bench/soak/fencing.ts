/**
 * Fencing, read from the controllers' JSON logs: a controller process must take no action after it logged losing
 * its lease. The action messages are the reconciler's; adjust `actionMessages` when they change.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InvariantResult } from './invariants';

const actionMessages = [/^set cluster status/, /^flow started/, /^cancel signalled/, /^recover interrupted/, /^released; finalizer removed/, /^terminating an unfinished flow/];

interface LogLine {
  pid?: number;
  time?: number;
  msg?: string;
  cluster?: string;
}

function parse(line: string): LogLine | undefined {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

export function actsAfterLostLease(logDir: string): InvariantResult {
  const acts: string[] = [];
  for (const file of readdirSync(logDir).filter((f) => f.startsWith('controller-')).sort()) {
    const lostAt = new Map<number, number>();
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      const entry = parse(line);
      if (!entry?.pid || !entry.msg) continue;
      if (entry.msg.startsWith('lost leadership')) lostAt.set(entry.pid, lostAt.get(entry.pid) ?? entry.time ?? 0);
      else if (lostAt.has(entry.pid) && actionMessages.some((m) => m.test(entry.msg!))) {
        acts.push(`${file} pid ${entry.pid}: "${entry.msg}" on ${entry.cluster ?? '?'} ${(entry.time ?? 0) - lostAt.get(entry.pid)!} ms after losing the lease`);
      }
    }
  }
  return { name: 'no controller acts after losing its lease', ok: acts.length === 0, value: String(acts.length), detail: acts };
}
