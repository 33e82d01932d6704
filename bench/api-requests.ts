/**
 * What a run asks of the servers, from their own counters: kube-apiserver's `apiserver_request_total` by verb and
 * resource (a watch counts when it opens, not per event), Temporal's frontend `service_requests` and its
 * `persistence_requests` by operation; the difference between two snapshots.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { rawKubeRequest } from '../src/kube/raw-request';
import { prometheusSamples, type RequestCounts } from '../src/infra/temporal-metrics';

export { temporalRequestCounts, type RequestCounts } from '../src/infra/temporal-metrics';

/** `apiserver_request_total` summed by "VERB resource[/subresource]" (codes and scopes together), and the time spent. */
export async function apiRequestCounts(config: KubeConfig): Promise<RequestCounts> {
  const text = (await rawKubeRequest(config, 'GET', '/metrics', undefined, undefined, 10_000, 'text/plain')) as string;
  const counts: RequestCounts = new Map();
  for (const { name, labels, value } of prometheusSamples(text)) {
    // Requests, and the milliseconds the server spent answering them ("… ms"); watches are long by nature: left out.
    const kind = name === 'apiserver_request_total' ? '' : name === 'apiserver_request_duration_seconds_sum' ? ' ms' : undefined;
    if (kind === undefined || (kind && labels.verb === 'WATCH')) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}${kind}`;
    counts.set(key, (counts.get(key) ?? 0) + value * (kind ? 1000 : 1));
  }
  return counts;
}

/** "PATCH mpdclusters/status 2.1, POST events 2.0, …" per run: what changed between the snapshots, divided by `runs`. */
export function requestsPerRun(before: RequestCounts, after: RequestCounts, runs: number): string {
  return [...after]
    .map(([key, n]) => [key, (n - (before.get(key) ?? 0)) / runs] as const)
    .filter(([, perRun]) => perRun >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([key, perRun]) => `${key} ${perRun.toFixed(1)}`)
    .join(', ');
}

