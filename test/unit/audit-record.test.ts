import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecord, redactParams, requestedByAnnotation } from '../../src/worker/audit-record';
import { requesterOf } from '../../src/kube/requester';
import { auditRecordName } from '../../src/worker/audit-trail';

const spec = { 'f:spec': { 'f:followerNum': {} } };
const annotations = { 'f:metadata': { 'f:annotations': { 'f:x': {} } } };

test('requester: the newest manager of the spec or annotations, never mpdflow nor a status write', () => {
  const managedFields = [
    { manager: 'kubectl-create', operation: 'Update', time: new Date('2026-01-01T00:00:00Z'), fieldsV1: spec },
    { manager: 'alice-kubectl', operation: 'Update', time: new Date('2026-01-02T00:00:00Z'), fieldsV1: annotations },
    { manager: 'mpdflow', operation: 'Update', time: new Date('2026-01-03T00:00:00Z'), fieldsV1: spec },
    { manager: 'mpdflow-worker', operation: 'Update', subresource: 'status', time: new Date('2026-01-04T00:00:00Z'), fieldsV1: { 'f:status': {} } },
    { manager: 'labeller', operation: 'Update', time: new Date('2026-01-05T00:00:00Z'), fieldsV1: { 'f:metadata': { 'f:labels': {} } } },
  ];
  assert.deepEqual(requesterOf({ managedFields }), { who: 'alice-kubectl', source: 'managedFields', at: '2026-01-02T00:00:00.000Z' });
  assert.deepEqual(requesterOf(undefined), { who: 'unknown', source: 'unknown' });
});

test('requester: the requested-by annotation cannot name who asked; it is kept only as the claim of the writer who set it', () => {
  const setBy = (manager: string, day: number, fields: object) => ({ manager, operation: 'Update', time: new Date(`2026-01-0${day}T00:00:00Z`), fieldsV1: fields });
  const claim = { 'f:metadata': { 'f:annotations': { [`f:${requestedByAnnotation}`]: {} } } };
  // Mallory wrote "requested-by: alice" long ago; bob's change is the newest: bob asked, and made no claim.
  const forged = requesterOf({ annotations: { [requestedByAnnotation]: 'alice' }, managedFields: [setBy('mallory', 1, claim), setBy('bob-kubectl', 2, spec)] });
  assert.deepEqual(forged, { who: 'bob-kubectl', source: 'managedFields', at: '2026-01-02T00:00:00.000Z' });
  // A pipeline that sets the annotation with its change: it asked, claiming to act for alice.
  const claimed = requesterOf({ annotations: { [requestedByAnnotation]: 'alice' }, managedFields: [setBy('pipeline', 3, { ...spec, ...claim })] });
  assert.deepEqual(claimed, { who: 'pipeline', source: 'managedFields', at: '2026-01-03T00:00:00.000Z', claimedBy: 'alice' });
  // An annotation with no writer on record names nobody.
  assert.deepEqual(requesterOf({ annotations: { [requestedByAnnotation]: 'alice' } }), { who: 'unknown', source: 'unknown' });
});

test('params: secret-looking keys redacted at any depth, long strings cut', () => {
  assert.deepEqual(redactParams({ ins: 'ro-1', password: 'p', nested: { apiKey: 'k', ok: 1 }, dbToken: 't' }), {
    ins: 'ro-1',
    password: '<redacted>',
    nested: { apiKey: '<redacted>', ok: 1 },
    dbToken: '<redacted>',
  });
  assert.equal((redactParams({ long: 'x'.repeat(1000) }).long as string).length, 301);
});

test('params: keys like key, sslKey and dsn, secrets inside arrays, and credentials inside values are redacted', () => {
  assert.deepEqual(
    redactParams({
      key: 'k1',
      sslKey: '-----BEGIN PRIVATE KEY-----',
      dsn: 'host=db user=app',
      users: [{ name: 'app', password: 'p1' }, ['nested', { token: 't' }]],
      url: 'postgres://app:s3cret@db:5432/app',
      conninfo: "host=db password='s3 cret' user=app",
      insId: 'ins-2',
    }),
    {
      key: '<redacted>',
      sslKey: '<redacted>',
      dsn: '<redacted>',
      users: [{ name: 'app', password: '<redacted>' }, ['nested', { token: '<redacted>' }]],
      url: 'postgres://app:<redacted>@db:5432/app',
      conninfo: 'host=db password=<redacted> user=app',
      insId: 'ins-2',
    },
  );
});

test('a record: outcome, steps with durations, the run and the build; one name per run', () => {
  const record = auditRecord(
    {
      resource: { resourceType: 'MPDCluster', namespace: 'ns', name: 'pc-1' },
      flowName: 'F',
      workflowId: 'w',
      runId: 'r',
      total: 2,
      state: 'Restarting',
      interrupt: { reason: 'POD_LOST', message: 'gone', step: 'B' },
      steps: [
        { stepName: 'A', className: 'a', outcome: 'completed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, attempts: 1 },
        { stepName: 'B', className: 'b', outcome: 'failed', startedAt: '2026-01-01T00:00:00.005Z', durationMs: 7, error: 'gone' },
      ],
    },
    { uid: 'u1' },
    'mpdflow/0.2.0',
    new Date('2026-01-01T00:00:01.000Z'),
  );
  assert.equal(record.outcome, 'interrupted');
  assert.equal(record.transition, 'Restarting');
  assert.equal(record.durationMs, 1000);
  assert.deepEqual(record.steps[1], { step: 'B', outcome: 'failed', durationMs: 7, error: 'gone' });
  assert.equal(record.workerBuild, 'mpdflow/0.2.0');
  assert.equal(auditRecordName('pc-1', 'w', 'r'), auditRecordName('pc-1', 'w', 'r'));
  assert.notEqual(auditRecordName('pc-1', 'w', 'r'), auditRecordName('pc-1', 'w', 'r2'));
  assert.match(auditRecordName('pc-1', 'w', 'r'), /^mpdflow-audit-pc-1-[0-9a-f]{10}$/);
});
