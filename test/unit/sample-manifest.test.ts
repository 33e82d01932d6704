/** deploy/samples/mpdcluster.yaml stays a cluster the CRD accepts, the operator accepts, and the local node can run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { projectRoot } from '../../src/infra/paths';
import { localImages } from '../../src/infra/local-images';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { mpdClusterCrd } from '../../src/kube/mpdcluster-crd';
import { checkSharedSpec } from '../../src/operator/shared/spec-check';
import { operatorDefaults } from '../../src/operator/shared/defaults';

const sample = parse(readFileSync(join(projectRoot, 'deploy', 'samples', 'mpdcluster.yaml'), 'utf8')) as MPDCluster;

test('the sample MPDCluster is valid against the CRD schema (kind, version, every field and type)', () => {
  const crd = mpdClusterCrd();
  const version = crd.spec.versions[0]!;
  assert.equal(sample.apiVersion, `${crd.spec.group}/${version.name}`);
  assert.equal(sample.kind, crd.spec.names.kind);
  // Structural schemas forbid unknown fields: the API server prunes them, so a typo would be dropped silently.
  const ajv = new Ajv({ allErrors: true, strict: false });
  const strict = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(strict);
    if (!schema || typeof schema !== 'object') return schema;
    const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strict(v)]));
    if (node.type === 'object' && node.properties && !node['x-kubernetes-preserve-unknown-fields']) node.additionalProperties ??= false;
    return node;
  };
  const validate = ajv.compile(strict(version.schema!.openAPIV3Schema) as object);
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = sample;
  assert.ok(validate(body), JSON.stringify(validate.errors));
});

test("the sample passes the operator's spec check and uses images the local node has", () => {
  assert.equal(checkSharedSpec(sample), undefined);
  assert.equal(sample.spec.versionCfg?.engineImage, localImages.engine);
  assert.equal(sample.spec.versionCfg?.clusterManagerImage, localImages.clusterManager);
});

test("the operator's default images are the local node's", () => {
  assert.equal(operatorDefaults.engineImage, localImages.engine);
  assert.equal(operatorDefaults.clusterManagerImage, localImages.clusterManager);
});
