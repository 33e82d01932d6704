import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { pino } from 'pino';
import { failureTypes } from '../../src/contract/flow-run';
import { PinoSdkLogger } from '../../src/temporal/sdk-logger';

function captured(minLevel: 'INFO' | 'WARN' = 'INFO') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: new PinoSdkLogger(pino({ level: 'trace' }, sink), minLevel) };
}

test("the SDK's lines are the project's JSON lines, with their fields", () => {
  const { lines, logger } = captured();
  logger.info('Worker state changed', { state: 'RUNNING', sdkComponent: 'worker' });
  assert.deepEqual([lines[0]!.level, lines[0]!.msg, lines[0]!.state], [30, 'Worker state changed', 'RUNNING']);
});

test('a deliberate end (a flow interrupt, a step interrupt, a cancel) is info with its message, not a warning with a stack', () => {
  const { lines, logger } = captured();
  const interrupted = ApplicationFailure.create({ type: failureTypes.flowInterrupted, message: 'POD_LOST: test', nonRetryable: true });
  logger.warn('Workflow failed', { error: interrupted });
  logger.warn('Activity failed', { error: ApplicationFailure.create({ type: failureTypes.interrupt, message: 'step said so' }) });
  logger.warn('Activity failed', { error: new CancelledFailure('cancelled') });
  // As a workflow's log arrives from its sandbox thread: a plain Error with the failure's message and stack.
  const cloned = Object.assign(new Error('CANCELLED: flow cancelled: annotation cancelled=true'), { stack: 'ApplicationFailure: CANCELLED: flow cancelled\n    at create (flow-workflow.ts:261:29)' });
  logger.warn('Workflow failed', { error: cloned });
  assert.deepEqual(lines.map((l) => l.level), [30, 30, 30, 30]);
  assert.ok(lines.every((l) => l.err === undefined && typeof l.error === 'string' && !String(l.error).includes('\n')));
  assert.equal(lines[0]!.error, 'ApplicationFailure: POD_LOST: test');
});

test('any other failure stays a warning, with the error serialised into the same JSON line; below the SDK level nothing', () => {
  const { lines, logger } = captured('WARN');
  logger.warn('Activity failed', { error: new Error('boom') });
  logger.info('Workflow started');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.match(String((lines[0]!.err as { message: string }).message), /boom/);
});
