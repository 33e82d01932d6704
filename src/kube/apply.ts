import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from './client';
import { rawKubeRequest } from './raw-request';

/** The field manager name mpdflow applies under (server-side apply). */
export const fieldManager = 'mpdflow';

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/** The REST path of one object, found through API discovery from its apiVersion and kind. */
async function objectPath(kube: KubeClients, object: KubernetesObject): Promise<string> {
  const apiVersion = object.apiVersion ?? 'v1';
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const discovery = (await rawKubeRequest(kube.config, 'GET', base)) as ApiResourceList;
  const resource = discovery.resources.find((r) => r.kind === object.kind && !r.name.includes('/'));
  if (!resource) throw new Error(`the API server does not serve ${apiVersion} ${object.kind}`);
  const namespace = resource.namespaced ? `/namespaces/${object.metadata?.namespace ?? 'default'}` : '';
  return `${base}${namespace}/${resource.name}/${object.metadata?.name ?? ''}`;
}

/** Server-side apply of one object exactly as written: create or update, owned by mpdflow's field manager. */
export async function applyObject<T extends KubernetesObject>(kube: KubeClients, object: T): Promise<T> {
  const path = `${await objectPath(kube, object)}?fieldManager=${fieldManager}&force=true`;
  return (await rawKubeRequest(kube.config, 'PATCH', path, object, 'application/apply-patch+yaml')) as T;
}
