import { request, type RequestOptions } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

/**
 * A request with the kubeconfig's credentials that sends and returns plain JSON.
 * The generated clients re-serialise bodies through their models, which drops schema keys such as
 * `enum` and `x-kubernetes-*`; manifests must reach the API server exactly as written.
 */
export async function rawKubeRequest(
  config: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  /** Abort when no answer came within this: a hung connection must not outlive the caller's deadline. */
  timeoutMs?: number,
  /** What to ask the server for (e.g. only the objects' metadata). */
  accept = 'application/json',
): Promise<unknown> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const options: RequestOptions = { method, headers: { Accept: accept } };
  await config.applyToHTTPSOptions(options);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // A length always: node sends a DELETE's body with neither a length nor chunks, and the server reads it as the next request.
  if (payload !== undefined) options.headers = { ...options.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
  return new Promise((resolveBody, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) {
          // JSON unless something else was asked for (the API server's /metrics is text).
          resolveBody(text ? (accept.includes('json') ? JSON.parse(text) : text) : undefined);
        } else {
          reject(new ApiException(code, `${method} ${path}: HTTP ${code}`, text, res.headers as Record<string, string>));
        }
      });
    });
    req.on('error', reject);
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
