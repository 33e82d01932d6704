import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import type { MpdflowConfig } from '../config';
import { closeSafeInterceptors } from '../infra/close-safe-retry';

/** TLS options for client and worker connections (mutual TLS when a certificate and key are given). */
export function temporalTls(config: MpdflowConfig['temporal']): TLSConfig | undefined {
  const tls = config.tls;
  if (!tls) return undefined;
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: tls.caPath ? readFileSync(tls.caPath) : undefined,
    clientCertPair: tls.certPath && tls.keyPath ? { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } : undefined,
  };
}

/** Options for a grpc-js Temporal connection: address, TLS, and the SDK's retries made safe across close(). */
export function clientConnectionOptions(config: MpdflowConfig['temporal'], extra: { connectTimeout?: number } = {}): ConnectionOptions {
  return { address: config.address, tls: temporalTls(config), ...closeSafeInterceptors(), ...extra };
}
