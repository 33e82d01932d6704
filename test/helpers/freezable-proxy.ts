/** A loopback TCP proxy in front of the real API server that a test can freeze: requests then hang, as on a dead link. */
import { createServer, connect, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface FreezableProxy {
  kubeConfig: KubeConfig;
  freeze(): void;
  close(): Promise<void>;
}

export async function freezableProxy(upstream: KubeConfig): Promise<FreezableProxy> {
  const target = new URL(upstream.getCurrentCluster()!.server);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    if (frozen) return; // accepted, never answered
    const up = connect(Number(target.port), target.hostname);
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    downstream.on('data', (chunk) => !frozen && up.write(chunk));
    up.on('data', (chunk) => !frozen && downstream.write(chunk));
    downstream.on('error', () => up.destroy());
    up.on('error', () => downstream.destroy());
    downstream.on('end', () => up.end());
    up.on('end', () => downstream.end());
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as { port: number }).port;
  const kubeConfig = new KubeConfig();
  const cluster = upstream.getCurrentCluster()!;
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: upstream.users,
    contexts: upstream.contexts,
    currentContext: upstream.currentContext,
  });
  return {
    kubeConfig,
    freeze: () => (frozen = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
