/** The replay guard's recorded histories: the recorder writes exactly these, the guard expects exactly these. */
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';

export const historiesDir = join(projectRoot, 'test', 'fixtures', 'histories');

/** File name (without `.json`) → the workflow path it covers. */
export const recordedHistories = {
  'success-TestRecord': 'every step completes',
  'interrupt-TestInterrupt': 'a step interrupts with its own code (POD_LOST)',
  'cancel-TestHold': 'the cancel signal while a step runs',
  'retry-TestFlaky': 'a step fails twice, then succeeds',
  'waiting-TestWaiting': 'a waiting step sleeps on its durable timer, then succeeds',
  'cancel-waiting-TestWaiting': 'the cancel signal during a wait',
  'resumed-TestInterrupt': 'a run started with resumeFrom (recovery) skips the steps before it',
  'temporal-cancel-TestHold': 'a cancel from Temporal itself while a step runs: the run ends Cancelled',
  'many-retry-TestFlaky': 'a step fails every attempt: MANY_RETRY',
  // Recorded after the lean bookkeeping (patch mpdflow-lean-bookkeeping): the ones above are from before it.
  'lean-success-TestRecord': 'every step completes, start hooks in the first step, completion as a local activity',
  'lean-interrupt-TestInterrupt': 'a step interrupts (its interrupt is a regular activity) in a lean run',
} as const;

export type HistoryName = keyof typeof recordedHistories;
export const historyNames = Object.keys(recordedHistories).sort() as HistoryName[];
