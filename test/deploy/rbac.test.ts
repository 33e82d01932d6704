import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { configFromEnv } from '../../src/config';
import { startController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { applyObject } from '../../src/kube/apply';
import { apiStatus, loadKubeConfig } from '../../src/kube/client';
import { engineSecretName, engineServiceAccountName } from '../../activities/shared/names';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { operator as sharedStorageOperator } from '../../src/operator/shared/operator';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { startWorker } from '../../src/worker/run-worker';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, waitUntilGone } from '../helpers/operator';
import { kube, testNamespace, testTaskQueue } from '../helpers/stack';
import { kustomize } from '../helpers/kustomize';

/** A kubeconfig that authenticates as a ServiceAccount, with a token from the TokenRequest API. */
async function serviceAccountKubeconfig(name: string): Promise<string> {
  const admin = kube().config;
  const response = (await rawKubeRequest(admin, 'POST', `/api/v1/namespaces/mpdflow-system/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  })) as { status: { token: string } };
  const cluster = admin.getCurrentCluster()!;
  const caData = readFileSync(join(dirname(process.env.KUBECONFIG!), 'pki', 'ca.crt')).toString('base64');
  const path = join(tmpdir(), `mpdflow-${name}-${Date.now()}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
      users: [{ name, user: { token: response.status.token } }],
      contexts: [{ name, context: { cluster: 'local', user: name } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return path;
}

async function allowed(kubeconfig: string, attributes: Record<string, string>): Promise<boolean> {
  const review = (await rawKubeRequest(loadKubeConfig(kubeconfig), 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: attributes },
  })) as { status: { allowed: boolean } };
  return review.status.allowed;
}

test('the deploy/ manifests apply server-side, and a whole cluster lifecycle runs under their RBAC', async () => {
  for (const object of await kustomize()) await applyObject(kube(), object);
  const workerConfig = await serviceAccountKubeconfig('mpdflow-worker');
  const controllerConfig = await serviceAccountKubeconfig('mpdflow-controller');

  // Least privilege, as the API server sees it.
  // The engines' credentials are read (the worker talks to them); the only role it may bind is the engines'.
  assert.equal(await allowed(workerConfig, { verb: 'get', resource: 'secrets', namespace: 'default' }), true);
  assert.equal(await allowed(workerConfig, { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'mpdflow-mpdflow-system-engine', namespace: 'default' }), true);
  assert.equal(await allowed(workerConfig, { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin', namespace: 'default' }), false);
  assert.equal(await allowed(controllerConfig, { verb: 'watch', resource: 'pods', namespace: 'default' }), true);
  assert.equal(await allowed(workerConfig, { verb: 'delete', group: 'mpd.polardb.aliyun.com', resource: 'mpdclusters', namespace: 'default' }), false);
  // A migration's target is read (exists, Ready), never changed; a failed engine's log is read.
  assert.equal(await allowed(workerConfig, { verb: 'get', resource: 'nodes' }), true);
  assert.equal(await allowed(workerConfig, { verb: 'patch', resource: 'nodes' }), false);
  assert.equal(await allowed(workerConfig, { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default' }), true);
  assert.equal(await allowed(workerConfig, { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'default' }), false);
  assert.equal(await allowed(controllerConfig, { verb: 'create', resource: 'pods', namespace: 'default' }), false);
  // The Go engine's memento: read and marked, never listed, written anew or deleted.
  assert.equal(await allowed(controllerConfig, { verb: 'get', resource: 'configmaps', name: 'pc-1-workflow', namespace: 'default' }), true);
  assert.equal(await allowed(controllerConfig, { verb: 'patch', resource: 'configmaps', name: 'pc-1-workflow', namespace: 'default' }), true);
  assert.equal(await allowed(controllerConfig, { verb: 'delete', resource: 'configmaps', name: 'pc-1-workflow', namespace: 'default' }), false);
  assert.equal(await allowed(controllerConfig, { verb: 'list', resource: 'configmaps', namespace: 'default' }), false);
  assert.equal(await allowed(controllerConfig, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' }), false);
  assert.equal(await allowed(controllerConfig, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'mpdflow-system' }), true);
  // The deployed controller watches every namespace; the one below is confined to its own (other tests run beside it).
  assert.equal(await allowed(controllerConfig, { verb: 'watch', group: 'mpd.polardb.aliyun.com', resource: 'mpdclusters' }), true);

  const ns = await testNamespace('rbac');
  const taskQueue = testTaskQueue('rbac');
  // An operator name of its own as well: no other test's cluster can match it.
  const operatorName = `polar-mpd-${ns}`;
  const as = (kubeconfig: string) => {
    const config = configFromEnv({ ...process.env, KUBECONFIG: kubeconfig });
    config.temporal.taskQueue = taskQueue;
    return config;
  };
  // Stopped in reverse, also when a later start fails: anything left running would hang the test file.
  const started: Array<() => Promise<void> | void> = [];
  // The worker binds the engines' ClusterRole the base installs, by the name the base's worker is given.
  const engineRoleBefore = process.env.MPDFLOW_ENGINE_CLUSTER_ROLE;
  process.env.MPDFLOW_ENGINE_CLUSTER_ROLE = 'mpdflow-mpdflow-system-engine';
  started.push(() => {
    if (engineRoleBefore === undefined) delete process.env.MPDFLOW_ENGINE_CLUSTER_ROLE;
    else process.env.MPDFLOW_ENGINE_CLUSTER_ROLE = engineRoleBefore;
  });
  try {
    const operator = prepareOperator(sharedStorageOperator);
    const worker = await startWorker({ config: as(workerConfig), operator });
    started.push(() => worker.shutdown());
    const controller = await startController({
      config: as(controllerConfig),
      operator,
      namespaces: [ns],
      operatorName,
      leaderElection: { namespace: 'mpdflow-system', name: `mpdflow-rbac-${Date.now()}`, leaseDurationMs: 6_000 },
      log: rootLogger.child({ test: 'rbac' }),
    });
    started.push(() => controller.stop());
    const ref = { namespace: ns, name: 'pc-rbac' };
    await clusters().create(sampleCluster(ns, 'pc-rbac', { operatorName }));
    const runningWith = async (followers: number) =>
      waitUntil(
        async () => {
          const c = await clusters().get(ref);
          return c.status?.clusterStatus === 'Running' && c.status.followerNum === followers;
        },
        { timeoutMs: 180_000, describe: () => `not Running with ${followers} followers under RBAC (a missing verb shows up as step retries in the worker log)` },
      );
    await runningWith(1);
    await clusters().patch(ref, { spec: { followerNum: 2 } });
    await runningWith(2);
    await clusters().patch(ref, { metadata: { annotations: { restartCluster: 'true' } } });
    await waitUntil(async () => (await clusters().get(ref)).metadata.annotations?.restartCluster === undefined, { timeoutMs: 60_000, describe: () => 'restart done' });
    await runningWith(2);
    await clusters().delete(ref);
    await waitUntilGone(ref, 60_000);
    // Released under the same RBAC: its credentials and the engines' account are gone with it.
    const gone = async (read: () => Promise<unknown>) => read().then(() => false, (error: unknown) => apiStatus(error) === 404);
    assert.deepEqual(
      {
        credentials: await gone(() => kube().core.readNamespacedSecret({ namespace: ns, name: engineSecretName(ref.name) })),
        account: await gone(() => kube().core.readNamespacedServiceAccount({ namespace: ns, name: engineServiceAccountName(ref.name) })),
        binding: await gone(() => kube().rbac.readNamespacedRoleBinding({ namespace: ns, name: engineServiceAccountName(ref.name) })),
      },
      { credentials: true, account: true, binding: true },
    );
  } finally {
    for (const stop of started.reverse()) await stop();
  }
});
