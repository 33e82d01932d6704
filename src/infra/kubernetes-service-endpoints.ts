/**
 * The `kubernetes` Service's endpoint on the local node's control plane, written once and never withdrawn. With its
 * default reconciler a lone API server removes its own address when it stops and adds it back when it is up again;
 * kube-proxy, whose watches were backing off through the outage, then took 2.5 to 3 minutes to route the Service
 * again (the 25-cluster soak, 2026-12-07), so engines stayed cut off from their store long after the API server was
 * back. A production control plane has several API servers and that Service never goes empty; here the one address is
 * pinned instead (`--endpoint-reconciler-type=none`).
 */
import { request } from 'node:https';

export interface AdminTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

const fieldManager = 'mpdflow-local-stack';

export async function pinKubernetesServiceEndpoints(server: string, tls: AdminTls, address: string, port: number): Promise<void> {
  const ports = [{ name: 'https', port, protocol: 'TCP' }];
  await apply(server, tls, '/api/v1/namespaces/default/endpoints/kubernetes', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    // The slice below is the one kube-proxy reads: the mirroring controller must not write a second.
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address }], ports }],
  });
  await apply(server, tls, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': fieldManager } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports,
  });
}

/** Server-side apply (JSON is YAML): creates or updates the object as this stack's. */
function apply(server: string, tls: AdminTls, path: string, body: object): Promise<void> {
  return new Promise((resolveApplied, reject) => {
    const req = request(
      `${server}${path}?fieldManager=${fieldManager}&force=true`,
      { ...tls, method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, timeout: 10_000 },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolveApplied() : reject(new Error(`apply ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`apply ${path}: no answer in 10 s`)));
    req.end(JSON.stringify(body));
  });
}
