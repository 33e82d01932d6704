/** Worker Versioning's settings: the environment, and deploy/versioning's build template and overlay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configEnvKeys, configFromEnv } from '../../src/config';
import { workerDeploymentOptions } from '../../src/temporal/worker-deployment';
import { projectRoot } from '../../src/infra/paths';

interface BuildDeployment {
  kind: string;
  metadata: { name: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ args: string[]; env: Array<{ name: string; value: string }>; envFrom: unknown }> } };
  };
}

const versioningDir = join(projectRoot, 'deploy', 'versioning');

test('versioning env: both set → a pinned Worker Deployment Version; neither → unversioned; one alone → a clear error', () => {
  const version = configFromEnv({ MPDFLOW_WORKER_DEPLOYMENT: 'mpdflow', MPDFLOW_WORKER_BUILD_ID: '0.2.0' }).temporal.versioning;
  assert.deepEqual(version, { deploymentName: 'mpdflow', buildId: '0.2.0' });
  assert.deepEqual(workerDeploymentOptions(version!), {
    version: { deploymentName: 'mpdflow', buildId: '0.2.0' },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  });
  assert.equal(configFromEnv({}).temporal.versioning, undefined);
  assert.throws(() => configFromEnv({ MPDFLOW_WORKER_BUILD_ID: '0.2.0' }), /MPDFLOW_WORKER_DEPLOYMENT and MPDFLOW_WORKER_BUILD_ID/);
  assert.throws(() => configFromEnv({ MPDFLOW_WORKER_DEPLOYMENT: 'mpdflow' }), /set together/);
});

test('deploy/versioning/worker-build.yaml: one worker build, its version from variables the code reads', () => {
  const text = readFileSync(join(versioningDir, 'worker-build.yaml'), 'utf8').replaceAll('${BUILD_ID}', '0.2.0').replaceAll('${IMAGE}', 'registry.example.com/mpdflow:0.2.0');
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as BuildDeployment);
  assert.equal(docs.length, 1);
  const [deployment] = docs;
  assert.equal(deployment!.kind, 'Deployment');
  assert.equal(deployment!.metadata.name, 'mpdflow-worker-0.2.0');
  const container = deployment!.spec.template.spec.containers[0]!;
  assert.equal(container.args[0], 'worker');
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  assert.deepEqual(env, { MPDFLOW_WORKER_DEPLOYMENT: 'mpdflow', MPDFLOW_WORKER_BUILD_ID: '0.2.0' });
  for (const key of Object.keys(env)) assert.ok((configEnvKeys as readonly string[]).includes(key), `${key} is read by src/config.ts`);
  assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'mpdflow-settings' } }], 'the same settings (TLS, task queue) as the unversioned worker');
  assert.deepEqual(deployment!.spec.selector.matchLabels, deployment!.spec.template.metadata.labels, 'each build selects only its own pods');
});

test('deploy/versioning/kustomization.yaml: the base without its unversioned worker', () => {
  const kustomization = parse(readFileSync(join(versioningDir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; patches: Array<{ patch: string }> };
  assert.deepEqual(kustomization.resources, ['../base']);
  const deleted = parse(kustomization.patches[0]!.patch) as { $patch: string; metadata: { name: string } };
  assert.equal(deleted.$patch, 'delete');
  assert.equal(deleted.metadata.name, 'mpdflow-worker');
});
