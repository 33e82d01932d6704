import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InterceptingCall, ListenerBuilder, RequesterBuilder, status, type Interceptor } from '@grpc/grpc-js';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { freePort } from '../../src/infra/free-port';
import { waitUntil } from '../../src/infra/wait';
import { closeSafeRetryInterceptor } from '../../src/infra/close-safe-retry';

/** Below the retry interceptor: sees how each attempt ended. */
function attemptEnds(codes: status[]): Interceptor {
  const listener = new ListenerBuilder().withOnReceiveStatus((ended, next) => (codes.push(ended.code), next(ended))).build();
  const requester = new RequesterBuilder().withStart((metadata, _listener, next) => next(metadata, listener)).build();
  return (options, nextCall) => new InterceptingCall(nextCall(options), requester);
}

test('a call waiting to retry when its connection closes ends as CANCELLED; nothing throws from the retry timer', async () => {
  const address = `127.0.0.1:${await freePort()}`; // nothing listens: every attempt is refused and retried
  const attempts: status[] = [];
  const connection = Connection.lazy({ address, interceptors: [closeSafeRetryInterceptor(), attemptEnds(attempts)] });
  const outcome = connection.workflowService.getSystemInfo({}).then(
    () => 'answered',
    (error: unknown) => error,
  );
  // The first attempt was refused: the call now waits in the retry timer.
  await waitUntil(async () => attempts.length > 0, { timeoutMs: 10_000, describe: () => `no attempt to ${address} ended` });
  assert.equal(attempts[0], status.UNAVAILABLE);
  await connection.close();
  // Before the fix the timer threw "Channel has been shut down" uncaught and this call never settled.
  const error = await outcome;
  assert.ok(isGrpcServiceError(error), `a gRPC error, not ${String(error)}`);
  assert.equal(error.code, status.CANCELLED);
  assert.match(error.details, /shut down/);
});

test('every grpc-js Temporal connection in src/ carries the close-safe retry', () => {
  const files = execFileSync('git', ['grep', '-l', '-E', '(^|[^e])Connection\\.(connect|lazy)\\(', '--', 'src'], { encoding: 'utf8' }).trim().split('\n');
  for (const file of files) {
    const calls = readFileSync(file, 'utf8').match(/(?<!Native)Connection\.(connect|lazy)\([^\n]*/g) ?? [];
    for (const call of calls) assert.match(call, /clientConnectionOptions|closeSafeInterceptors/, `${file}: ${call}`);
  }
  assert.ok(files.length >= 8, `found the connections: ${files.join(', ')}`);
});

test('a call made after its connection closed is rejected as CANCELLED, not thrown from a timer', async () => {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [closeSafeRetryInterceptor()] });
  await connection.close();
  await assert.rejects(connection.workflowService.getSystemInfo({}), (error: unknown) => isGrpcServiceError(error) && error.code === status.CANCELLED);
});
