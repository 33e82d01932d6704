import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { errorText, readableText } from '../../src/kube/error-text';

const headers = { 'audit-id': 'abc', 'content-type': 'application/json' };

test('an API error with a Status body: code, reason and the server\'s message, nothing else', () => {
  const body = JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Conflict', message: 'the object has been modified;\nplease apply your changes', code: 409 });
  assert.equal(errorText(new ApiException(409, 'Unknown API Status Code!', body, headers)), 'Kubernetes API error 409 Conflict: the object has been modified; please apply your changes');
});

test('an API error without a body keeps the client\'s summary, not its dump', () => {
  assert.equal(errorText(new ApiException(401, 'Unauthorized', undefined, headers)), 'Kubernetes API error 401: Unauthorized');
});

test('any other error: its message on one line, cut to a readable length', () => {
  assert.equal(errorText(new Error('first\n  second')), 'first second');
  assert.ok(errorText(new Error('x'.repeat(2000))).length <= 500);
});

test("an API error's dump inside another message (a step's own error, an interrupt) becomes its one line; the rest stays", () => {
  const body = JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'pods "pc-1" not found', code: 404 });
  const dump = new ApiException(404, 'Unknown API Status Code!', body, headers).message;
  const text = readableText(`step CreatePods failed: ${dump}; giving up`);
  assert.equal(text, 'step CreatePods failed: Kubernetes API error 404 NotFound: pods "pc-1" not found; giving up');
  assert.doesNotMatch(errorText(new Error(`wrapped: ${dump}`)), /HTTP-Code|Headers|audit-id/);
});
