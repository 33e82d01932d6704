/** A TCP relay from an address pods can reach (the node's) to a server that listens on the host's loopback only. */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpRelay {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function tcpRelay(listenHost: string, target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    downstream.pipe(upstream).pipe(downstream);
    downstream.on('error', () => upstream.destroy());
    upstream.on('error', () => downstream.destroy());
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, resolveListen);
  });
  return {
    host: listenHost,
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}
