import type { KubeClients } from '../kube/client';
import { applyObject } from '../kube/apply';
import { mpdClusterCrd } from '../kube/mpdcluster-crd';
import { waitUntil } from './wait';

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
}
