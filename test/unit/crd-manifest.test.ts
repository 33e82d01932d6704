import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdYaml } from '../../src/cli/crd';
import { projectRoot } from '../../src/infra/paths';

test('deploy/crd/mpdcluster.yaml is the CRD generated from the schema (regenerate: mpdflow crd > deploy/crd/mpdcluster.yaml)', () => {
  assert.equal(readFileSync(join(projectRoot, 'deploy', 'crd', 'mpdcluster.yaml'), 'utf8'), crdYaml());
});
