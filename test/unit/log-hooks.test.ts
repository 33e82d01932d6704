/** The worker's log: a line per flow event at info; each step's lines only when asked for (MPDFLOW_STEP_LOG_LEVEL). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { configFromEnv } from '../../src/config';
import type { FlowEvent } from '../../src/contract/flow-run';
import { logHooks, type FlowHooks, type HookPoint } from '../../src/flows/hooks';

const event: FlowEvent = { resource: { resourceType: 'MPDCluster', namespace: 'ns', name: 'c' }, flowName: 'F', workflowId: 'w', runId: 'r', total: 2, stepName: 'S', index: 1 };

/** The hook points in the order of a run with one failed attempt, and the lines an info-level logger wrote. */
async function linesOfARun(hooks: (log: pino.Logger) => FlowHooks): Promise<Array<{ level: number; msg: string }>> {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const set = hooks(log);
  const points: HookPoint[] = ['onFlowStart', 'onStepStart', 'onStepFailed', 'onStepStart', 'onStepCompleted', 'onStepWaiting', 'onFlowHeld', 'onFlowCompleted', 'onFlowInterrupted'];
  for (const point of points) await set[point]?.(event);
  return lines;
}

test('by default a run logs its flow events at info and none of its step lines', async () => {
  const lines = await linesOfARun((log) => logHooks(log));
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['onFlowStart', 'onStepWaiting', 'onFlowHeld', 'onFlowCompleted', 'onFlowInterrupted'],
  );
  assert.ok(lines.every((l) => l.level === 30));
});

test('MPDFLOW_STEP_LOG_LEVEL=info turns the step lines up; a misspelt level is refused at start', async () => {
  const stepLevel = configFromEnv({ MPDFLOW_STEP_LOG_LEVEL: 'INFO' }).stepLogLevel;
  const lines = await linesOfARun((log) => logHooks(log, { stepLevel }));
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['onFlowStart', 'onStepStart', 'onStepFailed', 'onStepStart', 'onStepCompleted', 'onStepWaiting', 'onFlowHeld', 'onFlowCompleted', 'onFlowInterrupted'],
  );
  assert.equal(configFromEnv({}).stepLogLevel, 'debug');
  assert.throws(() => configFromEnv({ MPDFLOW_STEP_LOG_LEVEL: 'loud' }), /MPDFLOW_STEP_LOG_LEVEL=loud/);
});
