/**
 * A cancel request with nothing to cancel is reported before it is consumed: a report that fails (the API server in
 * trouble; a CI run saw its Event missing) leaves the request for the next reconcile, never consumed unreported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Cancels } from '../../src/controller/cancel';
import type { ReconcilerDeps } from '../../src/controller/reconcile-deps';
import type { RunWatch } from '../../src/controller/run-watch';

function cancels(recordEvent: () => Promise<void>) {
  const calls: string[] = [];
  const deps = {
    fence: () => undefined,
    recordEvent: async () => {
      calls.push('report');
      await recordEvent();
    },
    clusters: {
      removeAnnotationsIfUnchanged: async () => {
        calls.push('consume');
        return ['cancelled'];
      },
    },
  } as unknown as ReconcilerDeps;
  return { cancels: new Cancels(deps, {} as RunWatch), calls };
}

const resource = { resourceType: 'MPDCluster', namespace: 'ns', name: 'pc' };
const log = pino({ level: 'silent' });

test('an idle cancel is reported, then consumed; a report that fails consumes nothing', async () => {
  const ok = cancels(async () => undefined);
  await ok.cancels.consumeCancel(resource, 'no flow is running', log);
  assert.deepEqual(ok.calls, ['report', 'consume']);

  const failing = cancels(async () => Promise.reject(new Error('socket hang up')));
  await assert.rejects(() => failing.cancels.consumeCancel(resource, 'no flow is running', log), /socket hang up/);
  assert.deepEqual(failing.calls, ['report'], 'the request stays to be acted on and reported again');

  const acted = cancels(async () => undefined);
  await acted.cancels.consumeCancel(resource, undefined, log);
  assert.deepEqual(acted.calls, ['consume'], 'a cancel acted on is consumed with no report of its own');
});
