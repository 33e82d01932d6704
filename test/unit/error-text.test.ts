import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { errorText } from '../../src/kube/error-text';

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
