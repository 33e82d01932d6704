import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiStatus, type KubeClients } from './client';
import { mpdClusterApi, type MPDCluster } from './mpdcluster';
import type { MPDClusterStatus } from './mpdcluster-schema';

/** Identifies one MPDCluster. */
export interface ClusterRef {
  namespace: string;
  name: string;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export type JsonPatchOperation = { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };
const where = (ref: ClusterRef) => ({ group: mpdClusterApi.group, version: mpdClusterApi.version, plural: mpdClusterApi.plural, ...ref });

/** Typed access to MPDClusters; writes are merge patches, conditional when a resourceVersion is given. */
export class MpdClusterClient {
  constructor(private readonly kube: KubeClients) {}

  async get(ref: ClusterRef): Promise<MPDCluster> {
    return (await this.kube.custom.getNamespacedCustomObject(where(ref))) as MPDCluster;
  }

  async create(cluster: Omit<MPDCluster, 'apiVersion' | 'kind'>): Promise<MPDCluster> {
    const namespace = cluster.metadata.namespace;
    if (!namespace) throw new Error('an MPDCluster needs metadata.namespace');
    const body = { apiVersion: `${mpdClusterApi.group}/${mpdClusterApi.version}`, kind: mpdClusterApi.kind, ...cluster };
    return (await this.kube.custom.createNamespacedCustomObject({
      group: mpdClusterApi.group,
      version: mpdClusterApi.version,
      plural: mpdClusterApi.plural,
      namespace,
      body,
    })) as MPDCluster;
  }

  async list(namespace?: string): Promise<{ items: MPDCluster[]; resourceVersion: string }> {
    const base = { group: mpdClusterApi.group, version: mpdClusterApi.version, plural: mpdClusterApi.plural };
    const list = (namespace
      ? await this.kube.custom.listNamespacedCustomObject({ ...base, namespace })
      : await this.kube.custom.listClusterCustomObject(base)) as { items: MPDCluster[]; metadata: { resourceVersion: string } };
    return { items: list.items, resourceVersion: list.metadata.resourceVersion };
  }

  /** Merge-patches the status subresource; with `resourceVersion` the write fails with 409 when the object moved on. */
  async patchStatus(ref: ClusterRef, status: Partial<MPDClusterStatus>, resourceVersion?: string): Promise<MPDCluster> {
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
    return (await this.kube.custom.patchNamespacedCustomObjectStatus({ ...where(ref), body }, mergePatch)) as MPDCluster;
  }

  /** Merge-patches the object itself (spec, annotations, finalizers); `null` values delete keys. */
  async patch(ref: ClusterRef, body: Record<string, unknown>, resourceVersion?: string): Promise<MPDCluster> {
    const withVersion = resourceVersion ? { ...body, metadata: { ...((body.metadata as object) ?? {}), resourceVersion } } : body;
    return (await this.kube.custom.patchNamespacedCustomObject({ ...where(ref), body: withVersion }, mergePatch)) as MPDCluster;
  }

  /** A JSON patch (RFC 6902): its `test` operations make the write conditional on exact values. */
  async jsonPatch(ref: ClusterRef, operations: JsonPatchOperation[]): Promise<MPDCluster> {
    return (await this.kube.custom.patchNamespacedCustomObject({ ...where(ref), body: operations }, jsonPatch)) as MPDCluster;
  }

  /** A JSON patch of the status subresource: `test` operations make it conditional on exact values (422 when not). */
  async jsonPatchStatus(ref: ClusterRef, operations: JsonPatchOperation[]): Promise<MPDCluster> {
    return (await this.kube.custom.patchNamespacedCustomObjectStatus({ ...where(ref), body: operations }, jsonPatch)) as MPDCluster;
  }

  /**
   * Removes each annotation that still holds the given value, in one write conditional on those values: a request
   * written again meanwhile (another value) survives. Returns the keys removed.
   */
  async removeAnnotationsIfUnchanged(ref: ClusterRef, expected: Record<string, string>): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.get(ref)).metadata.annotations ?? {};
      const keys = Object.keys(expected).filter((key) => current[key] === expected[key]);
      if (keys.length === 0) return [];
      const operations = keys.flatMap((key): JsonPatchOperation[] => {
        const path = `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        return [{ op: 'test', path, value: expected[key] }, { op: 'remove', path }];
      });
      try {
        await this.jsonPatch(ref, operations);
        return keys;
      } catch (error) {
        // 422: a value changed between the read and the write; read again.
        if (attempt >= 4 || apiStatus(error) !== 422) throw error;
      }
    }
  }

  async delete(ref: ClusterRef): Promise<void> {
    await this.kube.custom.deleteNamespacedCustomObject(where(ref));
  }

  /** The watch path of MPDClusters, for informers. */
  static watchPath(namespace?: string): string {
    const base = `/apis/${mpdClusterApi.group}/${mpdClusterApi.version}`;
    return namespace ? `${base}/namespaces/${namespace}/${mpdClusterApi.plural}` : `${base}/${mpdClusterApi.plural}`;
  }
}
