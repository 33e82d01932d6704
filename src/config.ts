/** Runtime configuration, read once from the environment (the operator deployment sets these). */
export interface MpdflowConfig {
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string } | undefined;
    webUiUrl: string | undefined;
  };
  kubeconfig: string | undefined;
}

export const defaultTemporalNamespace = 'mpdflow';
export const defaultTaskQueue = 'mpdflow';

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): MpdflowConfig {
  const tlsEnabled = env.TEMPORAL_TLS === 'true' || Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA);
  return {
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE || defaultTemporalNamespace,
      taskQueue: env.TEMPORAL_TASK_QUEUE || defaultTaskQueue,
      tls: tlsEnabled
        ? {
            certPath: env.TEMPORAL_TLS_CERT || undefined,
            keyPath: env.TEMPORAL_TLS_KEY || undefined,
            caPath: env.TEMPORAL_TLS_CA || undefined,
            serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
          }
        : undefined,
      webUiUrl: env.TEMPORAL_WEB_UI_URL || undefined,
    },
    kubeconfig: env.KUBECONFIG || undefined,
  };
}
