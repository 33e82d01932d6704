import { readFileSync, writeFileSync } from 'node:fs';

/** Writes a kubeconfig for one client-certificate identity (the node's, a controller's) against `server`. */
export function writeClientKubeconfig(path: string, options: { server: string; caCert: string; cert: string; key: string; user: string }): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mpdflow-local', cluster: { server: options.server, 'certificate-authority-data': b64(options.caCert) } }],
    users: [{ name: options.user, user: { 'client-certificate-data': b64(options.cert), 'client-key-data': b64(options.key) } }],
    contexts: [{ name: 'mpdflow-local', context: { cluster: 'mpdflow-local', user: options.user } }],
    'current-context': 'mpdflow-local',
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}
