/**
 * What a run asks of the servers, from their own counters: kube-apiserver's `apiserver_request_total` by verb and
 * resource (a watch counts when it opens, not per event), Temporal's frontend `service_requests` and its
 * `persistence_requests` by operation; the difference between two snapshots.
 */
import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestCounts } from '../src/infra/temporal-metrics';

export { temporalRequestCounts, type RequestCounts } from '../src/infra/temporal-metrics';

async function metricsText(config: KubeConfig): Promise<string> {
  const options: RequestOptions = { method: 'GET', headers: { Accept: 'text/plain' } };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(new URL('/metrics', config.getCurrentCluster()!.server), options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET /metrics: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `apiserver_request_total` summed by "VERB resource[/subresource]" (codes and scopes together). */
export async function apiRequestCounts(config: KubeConfig): Promise<RequestCounts> {
  const text = await metricsText(config);
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    // Requests, and the milliseconds the server spent answering them ("… ms"); watches are long by nature: left out.
    const kind = line.startsWith('apiserver_request_total{') ? '' : line.startsWith('apiserver_request_duration_seconds_sum{') ? ' ms' : undefined;
    if (kind === undefined) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (kind && labels.verb === 'WATCH') continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}${kind}`;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1)) * (kind ? 1000 : 1);
    counts.set(key, (counts.get(key) ?? 0) + value);
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

