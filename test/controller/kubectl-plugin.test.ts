/** `kubectl mpdflow …` through the real kubectl: the plugin on PATH, honouring --kubeconfig, --context and -n. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { kubectlBinary } from '../../src/infra/kube-binaries';
import { projectRoot } from '../../src/infra/paths';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters } from '../helpers/operator';
import { kube, testNamespace } from '../helpers/stack';

test('kubectl mpdflow status|plan work as a kubectl plugin with kubectl’s --kubeconfig, --context and -n', async () => {
  const ns = await testNamespace('kubectl-plugin');
  await clusters().create(sampleCluster(ns, 'pc-plugin', { followerNum: 1 }));
  const dir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? projectRoot, 'kubectl-plugin-'));
  symlinkSync(join(projectRoot, 'bin', 'kubectl-mpdflow.js'), join(dir, 'kubectl-mpdflow'));

  // Its current context points nowhere: the commands work only when --context picks the stack's.
  const stack = kube().config;
  const user = stack.getCurrentUser()!;
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromOptions({
    clusters: [stack.getCurrentCluster()!, { name: 'nowhere', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [user],
    contexts: [
      { name: 'nowhere', cluster: 'nowhere', user: user.name },
      { name: 'stack', cluster: stack.getCurrentCluster()!.name, user: user.name, namespace: ns },
    ],
    currentContext: 'nowhere',
  });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig.exportConfig());

  const env = { ...process.env, PATH: `${dir}:${dirname(process.execPath)}:${process.env.PATH}`, KUBECONFIG: '/nonexistent/kubeconfig' };
  const kubectl = async (...args: string[]) => {
    try {
      const { stdout } = await promisify(execFile)(await kubectlBinary(), args, { env, cwd: dir });
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  };

  const one = await kubectl('mpdflow', 'status', 'pc-plugin', '--kubeconfig', kubeconfigPath, '--context', 'stack');
  assert.equal(one.code, 0, one.out);
  assert.match(one.out, new RegExp(`${ns}/pc-plugin`), 'a bare name is in the context’s namespace');

  const table = await kubectl('mpdflow', 'status', `--kubeconfig=${kubeconfigPath}`, '--context=stack');
  assert.equal(table.code, 0, table.out);
  assert.match(table.out, /pc-plugin/);

  const plan = await kubectl('mpdflow', 'plan', '-n', ns, 'pc-plugin', '--kubeconfig', kubeconfigPath, '--context', 'stack');
  assert.equal(plan.code, 0, plan.out);
  assert.match(plan.out, /would start CreateSharedStorageCluster/);
  assert.match(plan.out, /^created: +pc-plugin-ins-1, pc-plugin-ins-2$/m);

  const elsewhere = await kubectl('mpdflow', 'status', 'pc-plugin', '-n', `${ns}-other`, '--kubeconfig', kubeconfigPath, '--context', 'stack');
  assert.notEqual(elsewhere.code, 0);
  assert.match(elsewhere.out, new RegExp(`${ns}-other/pc-plugin: not found`));

  const noContext = await kubectl('mpdflow', 'status', 'pc-plugin', '-n', ns, '--kubeconfig', kubeconfigPath);
  assert.notEqual(noContext.code, 0, 'the kubeconfig’s own current context points nowhere');
  assert.match(noContext.out, /127\.0\.0\.1:1|ECONNREFUSED/);
});
