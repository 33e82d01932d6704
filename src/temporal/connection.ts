import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { MpdflowConfig } from '../config';

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
