/** A step's failure during an API server outage is waited out; any other failure is the step's own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { pino } from 'pino';
import { InterruptError } from '../../src/flows/step';
import { runThroughApiOutages } from '../../src/worker/api-outage';

const log = pino({ level: 'silent' });

function waitWith(answersSeq: boolean[]) {
  const asked: boolean[] = [];
  return {
    asked,
    wait: { answers: async () => (asked.push(true), answersSeq.shift() ?? true), signal: new AbortController().signal, heartbeat: () => undefined, log },
  };
}

test('a failure while the API server does not answer: the step runs again once it does', async () => {
  const { wait } = waitWith([false, false, true]);
  let runs = 0;
  const result = await runThroughApiOutages(async () => {
    runs++;
    if (runs === 1) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    return 'done';
  }, wait);
  assert.equal(result, 'done');
  assert.equal(runs, 2);
});

test('a failure while the API server answers is the step\'s own', async () => {
  const { wait } = waitWith([true]);
  await assert.rejects(runThroughApiOutages(async () => Promise.reject(new Error('not caught up')), wait), /not caught up/);
});

test('an interrupt or a refusal is never waited on, and the API server is not asked', async () => {
  for (const error of [new InterruptError('POD_LOST', 'gone'), new ApiException(409, 'Conflict', '', {})]) {
    const { wait, asked } = waitWith([false]);
    await assert.rejects(runThroughApiOutages(async () => Promise.reject(error), wait));
    assert.equal(asked.length, 0);
  }
});

test('a cancel ends the wait with the step\'s error', async () => {
  const controller = new AbortController();
  const wait = { answers: async () => (controller.abort(), false), signal: controller.signal, heartbeat: () => undefined, log };
  await assert.rejects(runThroughApiOutages(async () => Promise.reject(new Error('socket hang up')), wait), /socket hang up/);
});
