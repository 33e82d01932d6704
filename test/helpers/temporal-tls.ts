/** The Temporal TLS settings a deployment uses (TEMPORAL_TLS_*), for the tests that run mpdflow behind mutual TLS. */
import assert from 'node:assert/strict';
import { configFromEnv, type MpdflowConfig } from '../../src/config';
import type { LoadedOperator } from '../../src/operator-api/operator';
import { startWorker } from '../../src/worker/run-worker';

export interface ClientCertificate {
  cert: string;
  key: string;
}

/** A config reaching `address` over TLS (trusting `caCert` for `serverName`), with a client certificate or none. */
export function tlsConfigs(options: { address: string; namespace?: string; caCert: string; serverName: string; taskQueue: string }): (cert?: ClientCertificate) => MpdflowConfig {
  return (cert) => {
    const config = configFromEnv({
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      ...(options.namespace ? { TEMPORAL_NAMESPACE: options.namespace } : {}),
      TEMPORAL_TLS_CA: options.caCert,
      TEMPORAL_TLS_SERVER_NAME: options.serverName,
      ...(cert ? { TEMPORAL_TLS_CERT: cert.cert, TEMPORAL_TLS_KEY: cert.key } : {}),
    });
    config.temporal.taskQueue = options.taskQueue;
    return config;
  };
}

/** A worker without a client certificate, and one with a certificate from another CA, cannot start. */
export async function assertWorkersRefused(configWith: (cert?: ClientCertificate) => MpdflowConfig, operator: LoadedOperator, foreign: ClientCertificate): Promise<void> {
  for (const cert of [undefined, foreign]) {
    await assert.rejects(
      (async () => (await startWorker({ config: configWith(cert), operator })).shutdown())(),
      `a worker ${cert ? 'with a certificate from another CA' : 'without a certificate'} is refused`,
    );
  }
}
