/** A cluster's maintenance window: when its disruptive transitions may start (pure; the clock is passed in). */
import { Cron } from 'croner';
import { durationMs } from '../flows/duration';

export interface MaintenanceWindow {
  /** The annotation's text, as given. */
  text: string;
  cron: Cron;
  durationMs: number;
  timeZone: string;
}

/** Inside the window, or the next time it opens. */
export type WindowState = { open: true } | { open: false; nextStart: Date };

const windowSyntax = /^\s*(?:TZ=(\S+)\s+)?(.+?)\s+for\s+(\S+)\s*$/;
const longestWindowMs = 7 * 24 * 3_600_000;

/** Parses `[TZ=<zone>] <5-field cron> for <duration>`; a malformed value throws an Error whose message says what to write. */
export function parseMaintenanceWindow(text: string): MaintenanceWindow {
  const expected = 'expected "[TZ=<IANA zone>] <minute> <hour> <day of month> <month> <day of week> for <duration>", e.g. "0 2 * * 6 for 2h"';
  const match = windowSyntax.exec(text);
  if (!match) throw new Error(`maintenance window "${text}": ${expected}`);
  const [, timeZone = 'UTC', pattern = '', duration = ''] = match;
  let windowMs: number;
  try {
    windowMs = durationMs(duration);
  } catch {
    throw new Error(`maintenance window "${text}": "${duration}" is not a duration (a number and ms, s, m or h, e.g. 90m)`);
  }
  if (windowMs < 60_000 || windowMs > longestWindowMs) throw new Error(`maintenance window "${text}": the duration must be between 1m and 168h, got ${duration}`);
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, timezone: timeZone, mode: '5-part' });
    // An unknown time zone only shows when a date is computed.
    if (!cron.nextRun(new Date(0))) throw new Error('the schedule never fires');
  } catch (error) {
    throw new Error(`maintenance window "${text}": ${error instanceof Error ? error.message : String(error)}; ${expected}`);
  }
  return { text, cron, durationMs: windowMs, timeZone };
}

/** Open when a start lies in (now − duration, now]; else the next start after now. */
export function windowAt(window: MaintenanceWindow, now: Date): WindowState {
  const lastStartCandidate = window.cron.nextRun(new Date(now.getTime() - window.durationMs));
  if (lastStartCandidate && lastStartCandidate.getTime() <= now.getTime()) return { open: true };
  const nextStart = window.cron.nextRun(now);
  if (!nextStart) throw new Error(`maintenance window "${window.text}" never opens again`);
  return { open: false, nextStart };
}
