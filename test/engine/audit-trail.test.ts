/**
 * The audit trail on the real servers: each run leaves one compact record (who asked, the flow, params without
 * secrets, steps with durations and outcome, the run, the worker build) that is still there after the cluster is
 * deleted, and only the newest MPDFLOW_AUDIT_KEEP records of a cluster are kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { configFromEnv } from '../../src/config';
import { loadOperator } from '../../src/operator-api/load-operator';
import { startWorker } from '../../src/worker/run-worker';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { mpdClusterApi } from '../../src/kube/mpdcluster';
import { requestedByAnnotation, type AuditRecord } from '../../src/worker/audit-record';
import { auditLabels, auditRecordKey } from '../../src/worker/audit-trail';
import { kube, temporalClient, testNamespace, testTaskQueue } from '../helpers/stack';
import { clusters, createCluster, runFlow, testFlowsDir, testStepsModule } from '../helpers/flows';
import { waitUntilGone } from '../helpers/operator';

/** The cluster's audit records, oldest first, as an operator reads them (kubectl get cm -l …). */
async function auditRecords(namespace: string, cluster: string): Promise<AuditRecord[]> {
  const list = await kube().core.listNamespacedConfigMap({ namespace, labelSelector: `${auditLabels.audit}=true,${auditLabels.cluster}=${cluster}` });
  return list.items
    .map((cm) => {
      assert.equal(cm.immutable, true, 'an audit record is immutable');
      assert.deepEqual(cm.metadata?.ownerReferences ?? [], [], 'an audit record has no owner: it outlives the cluster');
      return JSON.parse(cm.data?.[auditRecordKey] ?? '{}') as AuditRecord;
    })
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/** A change of the cluster made by a named field manager, as `kubectl --field-manager alice-kubectl annotate` does. */
async function annotateAs(manager: string, namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
  const path = `/apis/${mpdClusterApi.group}/${mpdClusterApi.version}/namespaces/${namespace}/${mpdClusterApi.plural}/${name}?fieldManager=${manager}`;
  await rawKubeRequest(kube().config, 'PATCH', path, { metadata: { annotations } }, 'application/merge-patch+json');
}

test('audit: one record per run, readable after the cluster is deleted; the newest MPDFLOW_AUDIT_KEEP are kept', { timeout: 180_000 }, async () => {
  const taskQueue = testTaskQueue('audit');
  const config = configFromEnv();
  config.temporal.taskQueue = taskQueue;
  config.auditKeep = 2;
  const worker = await startWorker({ config, operator: await loadOperator(testStepsModule, { flowsDir: testFlowsDir }) });
  const { client, close } = await temporalClient();
  try {
    const ns = await testNamespace('audit');
    const ref = await createCluster(ns, 'pc-audit');
    await annotateAs('alice-kubectl', ns, 'pc-audit', { 'example.com/note': 'please' });

    const success = await runFlow(client, taskQueue, { flowName: 'TestRecord', resource: ref, params: { fromEvent: 'yes', password: 'hunter2' }, state: 'Creating' });
    await success.result();
    const interrupted = await runFlow(client, taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' });
    await assert.rejects(interrupted.result());

    // The cluster goes; its records stay.
    await clusters().patch(ref, { metadata: { finalizers: null } });
    await clusters().delete(ref);
    await waitUntilGone(ref);
    const [first, second] = await auditRecords(ns, 'pc-audit');
    process.stdout.write(`# audit record after the cluster was deleted: ${JSON.stringify(first)}\n`);
    assert.deepEqual(first!.requestedBy.who, 'alice-kubectl');
    assert.equal(first!.requestedBy.source, 'managedFields');
    assert.equal(first!.flow, 'TestRecord');
    assert.equal(first!.transition, 'Creating');
    assert.deepEqual(first!.params, { fromEvent: 'yes', password: '<redacted>' }, 'params kept, secrets not');
    assert.equal(first!.outcome, 'completed');
    assert.ok(first!.steps.length > 0 && first!.steps.every((s) => s.outcome === 'completed' && typeof s.durationMs === 'number'), 'every step with its outcome and duration');
    assert.equal(first!.workflowId, success.workflowId);
    assert.equal(first!.runId, success.firstExecutionRunId);
    assert.equal(first!.workerBuild, 'unversioned');
    assert.ok(first!.cluster.uid, 'the record names the cluster object it was about');
    assert.equal(second!.flow, 'TestInterrupt');
    assert.equal(second!.outcome, 'interrupted');
    assert.equal(second!.interrupt?.reason, 'POD_LOST');
    assert.ok(second!.steps.some((s) => s.outcome === 'failed'));

    // A cluster of the same name again, its request named by the audit annotation: only the newest two records stay.
    const again = await createCluster(ns, 'pc-audit');
    await annotateAs('pipeline', ns, 'pc-audit', { [requestedByAnnotation]: 'bob@example.com' });
    await (await runFlow(client, taskQueue, { flowName: 'TestRecord', resource: again, state: 'Creating' })).result();
    // Pruning runs beside the run's end: wait for it, then check which stayed.
    let kept = await auditRecords(ns, 'pc-audit');
    await waitUntil(async () => (kept = await auditRecords(ns, 'pc-audit')).length <= 2, { timeoutMs: 30_000, describe: () => `${kept.length} records kept` });
    assert.deepEqual(kept.map((r) => r.flow), ['TestInterrupt', 'TestRecord'], 'the oldest record beyond MPDFLOW_AUDIT_KEEP=2 went');
    // The annotation is the pipeline's claim, not who asked: the pipeline wrote it.
    assert.equal(kept[1]!.requestedBy.who, 'pipeline');
    assert.equal(kept[1]!.requestedBy.claimedBy, 'bob@example.com');
    assert.notEqual(kept[1]!.cluster.uid, second!.cluster.uid, 'the new record is about the new object');
  } finally {
    await worker.shutdown();
    await close();
  }
});
