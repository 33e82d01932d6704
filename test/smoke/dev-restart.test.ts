import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startLocalStack } from '../../src/infra/local-stack';
import { kubeClients, loadKubeConfig } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { sampleCluster } from '../fixtures/sample-cluster';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';
import { scratchRoot } from '../helpers/scratch';

test('a restart of the local servers on the same data directory keeps Kubernetes objects and workflow history', async () => {
  const dataDir = mkdtempSync(join(scratchRoot(), 'mpdflow-restart-'));
  const first = await startLocalStack({ dataDir, webUi: false });
  try {
    await new MpdClusterClient(kubeClients(loadKubeConfig(first.kube.kubeconfigPath))).create(sampleCluster('default', 'survivor'));
    const connection = await Connection.connect({ ...closeSafeInterceptors(), address: first.temporal.address });
    const client = new Client({ connection, namespace: first.temporal.namespace });
    // No worker: the run stays open, and its start is what must survive.
    await client.workflow.start('NobodyServesThis', { taskQueue: 'restart-probe', workflowId: 'restart-probe' });
    await connection.close();
  } finally {
    await first.stop();
  }

  const second = await startLocalStack({ dataDir, webUi: false });
  try {
    const cluster = await new MpdClusterClient(kubeClients(loadKubeConfig(second.kube.kubeconfigPath))).get({ namespace: 'default', name: 'survivor' });
    assert.equal(cluster.spec.followerNum, 1);
    const connection = await Connection.connect({ ...closeSafeInterceptors(), address: second.temporal.address });
    const description = await new Client({ connection, namespace: second.temporal.namespace }).workflow.getHandle('restart-probe').describe();
    assert.equal(description.type, 'NobodyServesThis');
    await connection.close();
  } finally {
    await second.stop();
  }
});
