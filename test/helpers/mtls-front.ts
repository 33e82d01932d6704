/**
 * A mutual-TLS front for the harness's Temporal server, as a TLS-terminating proxy in front of a Temporal frontend
 * is deployed: it presents a server certificate, demands a client certificate signed by its CA (refusing any other
 * handshake) and passes the gRPC bytes on to the server. Certificates come from openssl, in a fresh directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { ensureSignedCert } from '../../src/infra/kube-certs';

export interface CertificateAuthority {
  dir: string;
  caCert: string;
  sign(name: string, subject: string, extensions: string): { cert: string; key: string };
}

export function certificateAuthority(dir: string, name: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const caCert = join(dir, 'ca.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', caCert, '-days', '1', '-subj', `/CN=${name}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { dir, caCert, sign: (certName, subject, extensions) => ensureSignedCert(dir, certName, subject, extensions) };
}

export interface MtlsFront {
  address: string;
  /** Common names of the client certificates of the connections let through. */
  authorizedClients: string[];
  /** Handshakes refused (no client certificate, or one from another CA). */
  refused: number;
  close(): Promise<void>;
}

export async function mtlsFront(ca: CertificateAuthority, serverName: string, upstream: { host: string; port: number }): Promise<MtlsFront> {
  const serving = ca.sign('front', `/CN=${serverName}`, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  const sockets = new Set<Socket>();
  const front: MtlsFront = { address: '', authorizedClients: [], refused: 0, close: async () => undefined };
  const server = createServer(
    {
      key: readFileSync(serving.key),
      cert: readFileSync(serving.cert),
      ca: readFileSync(ca.caCert),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (downstream) => {
      front.authorizedClients.push(String(downstream.getPeerCertificate().subject?.CN ?? ''));
      const up = connect(upstream.port, upstream.host);
      for (const socket of [downstream, up]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      }
      downstream.pipe(up).pipe(downstream);
      downstream.on('error', () => up.destroy());
      up.on('error', () => downstream.destroy());
    },
  );
  server.on('tlsClientError', () => front.refused++);
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  front.address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  front.close = () =>
    new Promise<void>((resolveClose) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolveClose());
    });
  return front;
}
