import { Agent as HttpsAgent } from 'node:https';
import {
  KubeConfig,
  CoreV1Api,
  AppsV1Api,
  CustomObjectsApi,
  ApiextensionsV1Api,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  ApiException,
} from '@kubernetes/client-node';

/** The API clients mpdflow uses, built from one kubeconfig. */
export interface KubeClients {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  apiextensions: ApiextensionsV1Api;
  objects: KubernetesObjectApi;
  rbac: RbacAuthorizationV1Api;
}

/** A kubeconfig from a path, else $KUBECONFIG / ~/.kube/config / the in-cluster ServiceAccount; `context` instead of its current one. */
export function loadKubeConfig(kubeconfigPath?: string, context?: string): KubeConfig {
  const config = new KubeConfig();
  if (kubeconfigPath) config.loadFromFile(kubeconfigPath);
  else config.loadFromDefault();
  if (context) {
    if (!config.getContextObject(context)) throw new Error(`the kubeconfig has no context "${context}" (it has: ${config.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    config.setCurrentContext(context);
  }
  return reuseConnections(config);
}

/**
 * client-node gives every API call a new https.Agent, so every call opens a new TLS connection: a full handshake,
 * client certificate included, on both ends (measured: most of a status patch's CPU, here and in kube-apiserver).
 * Calls share one keep-alive agent instead, made again only when the TLS identity changes (rotated files).
 */
function reuseConnections(config: KubeConfig): KubeConfig {
  let shared: { identity: string; agent: HttpsAgent } | undefined;
  const sharedAgent = (made: unknown): HttpsAgent | undefined => {
    if (!(made instanceof HttpsAgent)) return undefined;
    const o = made.options;
    const identity = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v)));
    if (shared?.identity !== identity) {
      shared?.agent.destroy();
      shared = { identity, agent: new HttpsAgent({ ...o, keepAlive: true, maxSockets: 64 }) };
    }
    return shared.agent;
  };
  const applyToCall = config.applySecurityAuthentication.bind(config);
  config.applySecurityAuthentication = async (context) => {
    await applyToCall(context);
    const agent = sharedAgent(context.getAgent());
    if (agent) context.setAgent(agent);
  };
  const applyToRequest = config.applyToHTTPSOptions.bind(config);
  config.applyToHTTPSOptions = async (options) => {
    await applyToRequest(options);
    const agent = sharedAgent(options.agent);
    if (agent) options.agent = agent;
  };
  return config;
}

export function kubeClients(config: KubeConfig): KubeClients {
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    apiextensions: config.makeApiClient(ApiextensionsV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
  };
}

/** The HTTP status of a failed API call, or undefined for anything that is not an API answer. */
export function apiStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The API server's own message (its Status.message), for errors a person reads. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return parsed.message;
      } catch {
        return body;
      }
      return body;
    }
    if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
