import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client';
import { applyObject } from '../kube/apply';
import { mpdClusterCrd } from '../kube/mpdcluster-crd';
import { mpdClusterApi } from '../kube/mpdcluster';
import { waitUntil } from './wait';
import { projectRoot } from './paths';

/** The engine pods' ClusterRole (`mpdflow-engine`), with the chart's own rules: clusters' RoleBindings refer to it. */
export async function installEngineRole(kube: KubeClients): Promise<void> {
  const rules = parse(readFileSync(join(projectRoot, 'deploy', 'helm', 'mpdflow', 'files', 'engine-rules.yaml'), 'utf8')) as unknown[];
  await applyObject(kube, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'mpdflow-engine' }, rules } as KubernetesObject);
}

/** Applies the MPDCluster CRD and waits until the API server serves it (Established). */
export async function installMpdClusterCrd(kube: KubeClients): Promise<void> {
  const crd = mpdClusterCrd();
  await applyObject(kube, crd);
  const name = crd.metadata!.name!;
  await waitUntil(
    async () => {
      const current = await kube.apiextensions.readCustomResourceDefinition({ name });
      return (current.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    },
    { timeoutMs: 30_000, describe: () => `CRD ${name} not Established` },
  );
  // Established comes before its storage answers (a list meanwhile gets 429 "storage is (re)initializing").
  const api = mpdClusterApi;
  await waitUntil(async () => Boolean(await kube.custom.listClusterCustomObject({ group: api.group, version: api.version, plural: api.plural, limit: 1 })), {
    timeoutMs: 30_000,
    describe: () => `${api.plural} not listable yet`,
  });
}
