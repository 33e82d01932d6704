/** The Helm chart: lint, its refusals, and deploy/base as its rendering (one source of truth). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crdYaml } from '../../src/cli/crd';
import { projectRoot } from '../../src/infra/paths';
import { chartDir, helm, helmBinary } from '../helpers/helm';

test('helm lint passes on the chart', { timeout: 900_000 }, async () => {
  await helmBinary(); // the first use on a machine builds it
  const out = await helm(['lint', chartDir]);
  assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('the chart refuses to guess its scope: no namespaces and no explicit cluster-wide rights is an error that says what to set', async () => {
  await assert.rejects(helm(['template', 'mpdflow', chartDir, '--set-json', 'watchNamespaces=[]']), /watchNamespaces is empty: set the namespaces .* or rbac\.clusterWide=true/);
  await assert.rejects(helm(['template', 'mpdflow', chartDir, '--set', 'rbac.clusterWide=true']), /rbac\.clusterWide=true grants every namespace/);
});

test('deploy/base is the chart rendered with deploy/base/chart-values.yaml, and the chart’s CRD is the generated one (regenerate: tools/helm/render-base.sh)', async () => {
  const check = await promisify(execFile)('bash', [join(projectRoot, 'tools', 'helm', 'render-base.sh'), '--check']).then(
    () => ({ ok: true, out: '' }),
    (error: { stdout: string }) => ({ ok: false, out: error.stdout }),
  );
  assert.ok(check.ok, `deploy/base/mpdflow.yaml differs from the chart's rendering:\n${check.out}`);
  assert.equal(readFileSync(join(chartDir, 'crds', 'mpdcluster.yaml'), 'utf8'), crdYaml());
});
