import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /healthz (the process answers), /readyz (it can do its job), /metrics (Prometheus). `whyNotReady` says why not, in
 * /readyz's body (one line per reason).
 */
export async function startOpsServer(options: { port: number; host?: string; registry: Registry; ready(): boolean; whyNotReady?(): string | undefined }): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const why = options.whyNotReady?.() ?? (options.ready() ? undefined : 'not ready');
      res.writeHead(why === undefined ? 200 : 503, { 'Content-Type': 'text/plain' }).end(why === undefined ? 'ready\n' : `${why}\n`);
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolveListen) => server.listen(options.port, options.host ?? '0.0.0.0', resolveListen));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
  };
}
