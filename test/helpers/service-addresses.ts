/**
 * Every address list a Service's Endpoints had, in order, as the API server announced them: what a test reads to
 * say a Service never went without an endpoint through a flow.
 */
import { Watch, type V1Endpoints } from '@kubernetes/client-node';
import { waitUntil } from '../../src/infra/wait';
import { kube } from './stack';

export interface ServiceAddresses {
  /** Each announced state of the Endpoints: its ready addresses (empty when it had none, or was deleted). */
  seen: string[][];
  stop(): void;
}

export async function watchServiceAddresses(namespace: string, service: string): Promise<ServiceAddresses> {
  const seen: string[][] = [];
  const watch = new Watch(kube().config);
  const request = await watch.watch(
    `/api/v1/namespaces/${namespace}/endpoints`,
    { fieldSelector: `metadata.name=${service}` },
    (type, endpoints: V1Endpoints) =>
      seen.push(type === 'DELETED' ? [] : (endpoints.subsets ?? []).flatMap((subset) => (subset.addresses ?? []).map((address) => address.ip))),
    () => undefined,
  );
  // The watch's first event is the object as it is: from then on, nothing is missed.
  await waitUntil(async () => seen.length > 0, { timeoutMs: 15_000, describe: () => `no Endpoints ${namespace}/${service} announced` });
  return { seen, stop: () => request.abort() };
}
