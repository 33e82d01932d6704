import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeletStandIn, failPodAnnotation } from '../../src/dev/kubelet-stand-in';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { kube, testNamespace } from '../helpers/stack';

const pod = (name: string, annotations: Record<string, string> = {}) => ({
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'mpdflow' }, annotations },
  spec: { nodeName: 'node-1', containers: [{ name: 'engine', image: 'polardb/polardb-engine:1.0.0' }] },
});

test('the kubelet stand-in makes mpdflow pods Ready, or Failed when asked, and leaves other pods alone', async () => {
  const ns = await testNamespace('kubelet');
  const standIn = await startKubeletStandIn(kube(), rootLogger);
  try {
    await kube().core.createNamespacedPod({ namespace: ns, body: pod('ok') });
    await kube().core.createNamespacedPod({ namespace: ns, body: pod('doomed', { [failPodAnnotation]: 'true' }) });
    await kube().core.createNamespacedPod({ namespace: ns, body: { ...pod('foreign'), metadata: { name: 'foreign' } } });
    const read = (name: string) => kube().core.readNamespacedPod({ namespace: ns, name });
    await waitUntil(async () => (await read('ok')).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, {
      timeoutMs: 10_000,
      describe: () => 'ok pod Ready',
    });
    await waitUntil(async () => (await read('doomed')).status?.phase === 'Failed', { timeoutMs: 10_000, describe: () => 'doomed pod Failed' });
    assert.equal((await read('ok')).status?.phase, 'Running');
    assert.notEqual((await read('foreign')).status?.phase, 'Running', 'pods mpdflow does not manage are not touched');
  } finally {
    standIn.stop();
  }
});
