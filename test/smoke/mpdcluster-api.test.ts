import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Watch } from '@kubernetes/client-node';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { apiMessage, apiStatus } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { kube, testNamespace } from '../helpers/stack';
import { sampleCluster } from '../fixtures/sample-cluster';
import { localImages } from '../../src/infra/local-images';

test('an MPDCluster is created, read back, status-patched with a resourceVersion precondition, and watched', async () => {
  const namespace = await testNamespace('crd');
  const clusters = new MpdClusterClient(kube());
  const created = await clusters.create(sampleCluster(namespace, 'pc-1'));
  const ref = { namespace, name: 'pc-1' };

  const read = await clusters.get(ref);
  assert.equal(read.spec.followerNum, 1);
  assert.equal(read.spec.versionCfg?.engineImage, localImages.engine);

  const seen: MPDCluster[] = [];
  const sawCreating = new Promise<void>((resolveSeen, reject) => {
    void new Watch(kube().config)
      .watch(
        MpdClusterClient.watchPath(namespace),
        { resourceVersion: created.metadata.resourceVersion },
        (phase, object: MPDCluster) => {
          seen.push(object);
          if (phase === 'MODIFIED' && object.status?.clusterStatus === 'Creating') resolveSeen();
        },
        (error: unknown) => (error ? reject(error) : undefined),
      )
      .then((abort) => sawCreating.finally(() => abort.abort()));
  });

  const patched = await clusters.patchStatus(ref, { clusterStatus: 'Creating' }, read.metadata.resourceVersion);
  assert.equal(patched.status?.clusterStatus, 'Creating');
  assert.notEqual(patched.metadata.resourceVersion, read.metadata.resourceVersion);

  await assert.rejects(clusters.patchStatus(ref, { clusterStatus: 'Running' }, read.metadata.resourceVersion), (error: unknown) => {
    assert.equal(apiStatus(error), 409, `expected 409 Conflict, got ${apiStatus(error)}: ${apiMessage(error)}`);
    assert.match(apiMessage(error), /the object has been modified/);
    return true;
  });
  assert.equal((await clusters.get(ref)).status?.clusterStatus, 'Creating', 'a stale write must not land');

  await sawCreating;
  assert.ok(seen.some((object) => object.status?.clusterStatus === 'Creating'));
});

test('an MPDCluster that violates the CRD schema is refused with the API server message', async () => {
  const namespace = await testNamespace('crd-invalid');
  const clusters = new MpdClusterClient(kube());
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown cluster type', { dbClusterType: 'sharded' }, /spec\.dbClusterType: Unsupported value: "sharded"/],
    ['a negative follower count', { followerNum: -2 }, /spec\.followerNum: Invalid value: -2/],
    ['a string where an integer belongs', { followerNum: 'two' }, /spec\.followerNum: Invalid value: "string"/],
  ];
  for (const [what, override, expected] of cases) {
    const bad = sampleCluster(namespace, 'pc-bad');
    Object.assign(bad.spec as Record<string, unknown>, override);
    await assert.rejects(clusters.create(bad), (error: unknown) => {
      assert.equal(apiStatus(error), 422, `${what}: expected 422`);
      assert.match(apiMessage(error), expected, what);
      return true;
    });
  }
});
