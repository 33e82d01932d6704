/** docs/install.md step 3–4 as written: an overlay of deploy/base, built and applied with the stack's kubectl. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { projectRoot } from '../../src/infra/paths';
import { deployBaseDir, kubectl, kustomize } from '../helpers/kustomize';
import { testNamespace } from '../helpers/stack';

test('kubectl apply -k of an overlay of deploy/base (by a relative path) renders and applies on the real API server', async () => {
  // The overlay's own namespace (kustomize renames mpdflow-system everywhere, ServiceAccount subjects included): the
  // dry run below needs namespaced objects to land in a namespace that exists.
  const ns = await testNamespace('overlay');
  const overlay = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? projectRoot, 'overlay-'));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    [
      `namespace: ${ns}`,
      `resources: [${relative(overlay, deployBaseDir)}]`,
      'images: [{ name: mpdflow, newName: registry.example.com/mpdflow, newTag: 0.1.0 }]',
      'patches:',
      '  - target: { kind: ConfigMap, name: mpdflow-settings }',
      '    patch: |-',
      '      - { op: replace, path: /data/TEMPORAL_ADDRESS, value: "temporal-frontend.temporal:7233" }',
      '      - { op: replace, path: /data/TEMPORAL_WEB_UI_URL, value: "https://temporal.example.com" }',
      '',
    ].join('\n'),
  );
  const objects = await kustomize(overlay);
  assert.ok(objects.some((o) => o.kind === 'CustomResourceDefinition' && o.metadata?.name === 'mpdclusters.mpd.polardb.aliyun.com'), 'the CRD is in the base');
  const settings = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'mpdflow-settings') as V1ConfigMap;
  assert.equal(settings.data?.TEMPORAL_ADDRESS, 'temporal-frontend.temporal:7233');
  const images = objects.filter((o) => o.kind === 'Deployment').flatMap((d) => (d as V1Deployment).spec!.template.spec!.containers.map((c) => c.image));
  assert.deepEqual([...new Set(images)], ['registry.example.com/mpdflow:0.1.0']);

  // Server-side dry run: every object validated and admitted by the API server, nothing changed.
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-k', overlay]);
  const lines = applied.trim().split('\n');
  assert.equal(lines.length, objects.length, applied);
  for (const line of lines) assert.match(line, /serverside-applied \(server dry run\)$/);
});
