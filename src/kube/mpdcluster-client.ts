import { apiStatus, type KubeClients } from './client';
import { mpdClusterApi, type MPDCluster } from './mpdcluster';
import type { MPDClusterStatus } from './mpdcluster-schema';
import { rawKubeRequest } from './raw-request';

/** Identifies one MPDCluster. */
export interface ClusterRef {
  namespace: string;
  name: string;
}

const mergePatch = 'application/merge-patch+json';
const jsonPatch = 'application/json-patch+json';

export type JsonPatchOperation = { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };
const base = `/apis/${mpdClusterApi.group}/${mpdClusterApi.version}`;
const collection = (namespace?: string) => (namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${mpdClusterApi.plural}` : `${base}/${mpdClusterApi.plural}`);
const path = (ref: ClusterRef) => `${collection(ref.namespace)}/${encodeURIComponent(ref.name)}`;

/**
 * Typed access to MPDClusters; writes are merge patches, conditional when a resourceVersion is given.
 * Plain JSON over the kubeconfig's shared connections: the generated client re-serialises every object through its
 * models, which costs more CPU than the write itself on the flow's hot path.
 */
export class MpdClusterClient {
  constructor(private readonly kube: KubeClients) {}

  private request(method: string, url: string, body?: unknown, contentType?: string): Promise<unknown> {
    return rawKubeRequest(this.kube.config, method, url, body, contentType);
  }

  async get(ref: ClusterRef): Promise<MPDCluster> {
    return (await this.request('GET', path(ref))) as MPDCluster;
  }

  async create(cluster: Omit<MPDCluster, 'apiVersion' | 'kind'>): Promise<MPDCluster> {
    const namespace = cluster.metadata.namespace;
    if (!namespace) throw new Error('an MPDCluster needs metadata.namespace');
    const body = { apiVersion: `${mpdClusterApi.group}/${mpdClusterApi.version}`, kind: mpdClusterApi.kind, ...cluster };
    return (await this.request('POST', collection(namespace), body)) as MPDCluster;
  }

  async list(namespace?: string): Promise<{ items: MPDCluster[]; resourceVersion: string }> {
    const list = (await this.request('GET', collection(namespace))) as { items: MPDCluster[]; metadata: { resourceVersion: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata.resourceVersion };
  }

  /** Names and resourceVersions only (the server sends the objects' metadata, nothing else): cheap to list often. */
  async listMetadata(namespace?: string): Promise<Array<{ namespace: string; name: string; resourceVersion: string }>> {
    const accept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
    const list = (await rawKubeRequest(this.kube.config, 'GET', collection(namespace), undefined, undefined, undefined, accept)) as {
      items: Array<{ metadata: { namespace?: string; name?: string; resourceVersion?: string } }>;
    };
    return (list.items ?? []).map(({ metadata }) => ({ namespace: metadata.namespace ?? '', name: metadata.name ?? '', resourceVersion: metadata.resourceVersion ?? '' }));
  }

  /** Merge-patches the status subresource; with `resourceVersion` the write fails with 409 when the object moved on. */
  async patchStatus(ref: ClusterRef, status: Partial<MPDClusterStatus>, resourceVersion?: string): Promise<MPDCluster> {
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, status };
    return (await this.request('PATCH', `${path(ref)}/status`, body, mergePatch)) as MPDCluster;
  }

  /** Merge-patches the object itself (spec, annotations, finalizers); `null` values delete keys. */
  async patch(ref: ClusterRef, body: Record<string, unknown>, resourceVersion?: string): Promise<MPDCluster> {
    const withVersion = resourceVersion ? { ...body, metadata: { ...((body.metadata as object) ?? {}), resourceVersion } } : body;
    return (await this.request('PATCH', path(ref), withVersion, mergePatch)) as MPDCluster;
  }

  /** A JSON patch (RFC 6902): its `test` operations make the write conditional on exact values. */
  async jsonPatch(ref: ClusterRef, operations: JsonPatchOperation[]): Promise<MPDCluster> {
    return (await this.request('PATCH', path(ref), operations, jsonPatch)) as MPDCluster;
  }

  /** A JSON patch of the status subresource: `test` operations make it conditional on exact values (422 when not). */
  async jsonPatchStatus(ref: ClusterRef, operations: JsonPatchOperation[]): Promise<MPDCluster> {
    return (await this.request('PATCH', `${path(ref)}/status`, operations, jsonPatch)) as MPDCluster;
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

  /** With `seen`, only the cluster as it was read (its uid and resourceVersion): a 409 says it changed since. */
  async delete(ref: ClusterRef, seen?: { uid: string; resourceVersion: string }): Promise<void> {
    await this.request('DELETE', path(ref), seen ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: seen } : undefined);
  }

  /** The watch path of MPDClusters, for informers. */
  static watchPath(namespace?: string): string {
    return collection(namespace);
  }
}
