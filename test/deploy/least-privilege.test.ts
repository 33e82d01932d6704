/**
 * Least privilege by default: with watched namespaces the chart grants Roles there only. `kubectl auth can-i`, as
 * each ServiceAccount, on the real API server: the worker cannot touch pods or ConfigMaps outside its namespaces.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kubectlBinary } from '../../src/infra/kube-binaries';
import { applyObject } from '../../src/kube/apply';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { renderChart } from '../helpers/helm';
import { kube, testNamespace, uniqueSuffix } from '../helpers/stack';

const clusterScoped: KubernetesObject[] = [];
after(async () => {
  for (const o of clusterScoped) {
    await rawKubeRequest(kube().config, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/${o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${o.metadata!.name}`).catch(() => undefined);
  }
});

/** The identities and their rights, without the Deployments (no pods are needed to ask the authorizer). */
async function installRbac(objects: KubernetesObject[]): Promise<void> {
  for (const object of objects.filter((o) => o.kind !== 'Deployment')) {
    if (object.kind?.startsWith('Cluster')) clusterScoped.push(object);
    await applyObject(kube(), object);
  }
}

/** `kubectl auth can-i` as a ServiceAccount: true for yes. */
async function canI(serviceAccount: string, verb: string, resource: string, namespace?: string): Promise<boolean> {
  const args = ['auth', 'can-i', verb, resource, `--as=system:serviceaccount:${serviceAccount}`, ...(namespace ? ['-n', namespace] : [])];
  return promisify(execFile)(await kubectlBinary(), args).then(
    ({ stdout }) => stdout.trim() === 'yes',
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      if (error.code === 1 && error.stdout?.trim() === 'no') return false;
      throw new Error(`kubectl ${args.join(' ')}: ${error.stderr ?? String(error)}`);
    },
  );
}

test('with watchNamespaces the worker and the controller act in those namespaces only', async () => {
  const [home, watched, other] = [await testNamespace('lp-home'), await testNamespace('lp-watched'), await testNamespace('lp-other')];
  const release = `mp-${uniqueSuffix()}`;
  await installRbac(await renderChart(release, home, ['--set-json', `watchNamespaces=["${watched}"]`]));
  const worker = `${home}:${release}-worker`;
  const controller = `${home}:${release}-controller`;

  const rights = {
    'worker creates pods in its namespace': await canI(worker, 'create', 'pods', watched),
    'worker deletes ConfigMaps in its namespace': await canI(worker, 'delete', 'configmaps', watched),
    'worker reads a Node (a migration target)': await canI(worker, 'get', 'nodes'),
    'worker lists Nodes (their readiness)': await canI(worker, 'list', 'nodes'),
    "worker reads its clusters' engine Secrets": await canI(worker, 'get', 'secrets', watched),
    "worker removes a released cluster's Secrets": await canI(worker, 'delete', 'secrets', watched),
    "worker binds the engines' ClusterRole in its namespace": await canI(worker, 'bind', `clusterroles/${release}-${home}-engine`, watched),
    'controller watches engine pods in its namespace': await canI(controller, 'watch', 'pods', watched),
    'controller watches MPDClusters in its namespace': await canI(controller, 'watch', 'mpdclusters.mpd.polardb.aliyun.com', watched),
    'controller renews its Lease at home': await canI(controller, 'update', 'leases.coordination.k8s.io', home),
  };
  const refused = {
    'worker creates pods in another namespace': await canI(worker, 'create', 'pods', other),
    'worker creates pods in kube-system': await canI(worker, 'create', 'pods', 'kube-system'),
    'worker patches ConfigMaps in another namespace': await canI(worker, 'patch', 'configmaps', other),
    'worker lists pods in every namespace': await canI(worker, 'list', 'pods', undefined),
    'worker reads Secrets in another namespace': await canI(worker, 'get', 'secrets', other),
    'worker reads Secrets in kube-system': await canI(worker, 'get', 'secrets', 'kube-system'),
    'worker deletes Secrets in another namespace': await canI(worker, 'delete', 'secrets', other),
    'worker binds another ClusterRole (cluster-admin)': await canI(worker, 'bind', 'clusterroles/cluster-admin', watched),
    'worker writes Nodes': await canI(worker, 'patch', 'nodes'),
    'controller watches MPDClusters in another namespace': await canI(controller, 'watch', 'mpdclusters.mpd.polardb.aliyun.com', other),
    'controller creates pods in its namespace': await canI(controller, 'create', 'pods', watched),
    'controller takes a Lease in the watched namespace': await canI(controller, 'update', 'leases.coordination.k8s.io', watched),
  };
  assert.deepEqual(rights, Object.fromEntries(Object.keys(rights).map((k) => [k, true])));
  assert.deepEqual(refused, Object.fromEntries(Object.keys(refused).map((k) => [k, false])));
});

test('cluster-wide rights come only from the explicit value, and then reach every namespace (what deploy/base installs)', async () => {
  const home = await testNamespace('lp-wide');
  const release = `mpw-${uniqueSuffix()}`;
  await installRbac(await renderChart(release, home, ['--set-json', 'watchNamespaces=[]', '--set', 'rbac.clusterWide=true']));
  assert.equal(await canI(`${home}:${release}-worker`, 'create', 'pods', 'kube-system'), true);
  assert.equal(await canI(`${home}:${release}-controller`, 'watch', 'mpdclusters.mpd.polardb.aliyun.com', 'kube-system'), true);
});
