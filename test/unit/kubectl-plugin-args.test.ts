import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliProgram } from '../../src/cli/main';
import { pluginArgs, takeKubectlFlags } from '../../src/cli/kubectl-plugin';

const program = cliProgram({ operatorModule: 'unused' });
const translate = (...args: string[]) => {
  const { flags, rest } = takeKubectlFlags(args);
  return { flags, argv: pluginArgs(program, rest, flags, () => flags.namespace ?? 'ctx-ns') };
};

test("kubectl's flags are taken out wherever they stand, in each of kubectl's spellings", () => {
  assert.deepEqual(translate('status', 'pc', '--kubeconfig', '/k', '--context=c', '-n', 'db').flags, { kubeconfig: '/k', context: 'c', namespace: 'db' });
  assert.deepEqual(translate('--kubeconfig=/k', '-ndb', 'cancel', 'pc').flags, { kubeconfig: '/k', namespace: 'db' });
  assert.deepEqual(translate('status', '--namespace=db').flags, { namespace: 'db' });
  assert.throws(() => translate('status', '--context'), /--context needs a value/);
});

test('a bare cluster name is in -n’s namespace, else the context’s; namespace/name stays as written', () => {
  assert.deepEqual(translate('cancel', 'pc', '-n', 'db').argv, ['cancel', 'db/pc']);
  assert.deepEqual(translate('recover', '--from-first', 'pc').argv, ['recover', '--from-first', 'ctx-ns/pc']);
  assert.deepEqual(translate('approve', '--reason', 'looked at it', 'pc').argv, ['approve', '--reason', 'looked at it', 'ctx-ns/pc']);
  assert.deepEqual(translate('plan', 'other/pc', '-n', 'db').argv, ['plan', 'other/pc']);
});

test('a list is of one namespace as with kubectl get: -n, else the context’s, -A for all', () => {
  assert.deepEqual(translate('status', '-n', 'db').argv, ['status', '--namespace', 'db']);
  assert.deepEqual(translate('status').argv, ['status', '--namespace', 'ctx-ns']);
  assert.deepEqual(translate('status', '-A').argv, ['status']);
  assert.deepEqual(translate('migrate', '--dry-run', '-n', 'db').argv, ['migrate', '--dry-run', '--namespace', 'db']);
});
