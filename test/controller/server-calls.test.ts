/**
 * What a burst of creates asks of Temporal (its own counters): no describe of a run the controller has just recorded,
 * and no search-attribute read from the database per flow (the local server keeps its search-attribute cache, as a
 * production server does). Both were measured costs of the 1,000-cluster benchmark (docs/performance.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../../src/infra/wait';
import { temporalRequestCounts, type RequestCounts } from '../../src/infra/temporal-metrics';
import { sampleCluster } from '../fixtures/sample-cluster';
import { privateOperator } from '../helpers/private-operator';

const clusters = 6;
const grew = (before: RequestCounts, after: RequestCounts, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

test(`${clusters} clusters created at once: Temporal is asked no describe per cluster and reads no search attributes per flow`, async () => {
  const op = await privateOperator('server-calls');
  try {
    const metrics = op.stack.temporal.metricsUrl;
    const names = Array.from({ length: clusters }, (_, i) => `pc-calls-${i}`);
    const before = await temporalRequestCounts(metrics);
    await Promise.all(names.map((name) => op.kube.create(sampleCluster('default', name, { followerNum: 0 }))));
    await waitUntil(async () => (await Promise.all(names.map(async (name) => (await op.kube.get({ namespace: 'default', name })).status?.clusterStatus))).every((s) => s === 'Running'), {
      timeoutMs: 90_000,
      describe: () => 'the creates never all reached Running',
    });
    // The server publishes its counters every so often: wait until they show every start and every run's completion.
    let after = before;
    await waitUntil(
      async () => {
        after = await temporalRequestCounts(metrics);
        return grew(before, after, 'frontend StartWorkflowExecution') >= clusters && grew(before, after, 'db CompleteWorkflowExecution') + grew(before, after, 'frontend RespondWorkflowTaskCompleted') > clusters;
      },
      { timeoutMs: 30_000, describe: () => `counters: ${JSON.stringify(Object.fromEntries([...after].filter(([key]) => grew(before, after, key) > 0).map(([key]) => [key, grew(before, after, key)])))}` },
    );
    assert.equal(grew(before, after, 'frontend StartWorkflowExecution'), clusters, 'one start per cluster');
    assert.ok(grew(before, after, 'frontend DescribeWorkflowExecution') < clusters, `describes: ${grew(before, after, 'frontend DescribeWorkflowExecution')} for ${clusters} new clusters`);
    const metadataReads = grew(before, after, 'db GetCurrentClusterMetadata');
    assert.ok(metadataReads < clusters, `${metadataReads} search-attribute reads from the database for ${clusters} flows`);
  } finally {
    await op.stop();
  }
});
